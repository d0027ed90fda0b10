// swift-tools-version:6.0
// ScaleLab: corpus → tokenizer → shards → tiny transformers → loss logs → fitted scaling laws.
// One target per stage of that data flow; each imports only the stages before it.
import PackageDescription

// Hot loops need AVX2/FMA code generation and a vectorisable sqrt (see README, "Performance").
// `-fno-math-errno` lets Float.squareRoot() lower to vsqrtps instead of a libm call per lane.
// `-enable-testing` lets the tests, which run in release mode, reach internal API; with it in every
// build, `swift build -c release` and `swift test -c release` share one set of objects.
let fast: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-fno-math-errno", "-enable-testing"])]

let package = Package(
    name: "ScaleLab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scalelab", targets: ["scalelab"]),
        .library(name: "ScaleLab", targets: ["Kernels", "Tokenizer", "Corpora", "Model", "Training", "Fitting", "Charts", "Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // OpenBLAS (Debian's libopenblas-dev) for every matrix multiply.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        // Atomic file writes, seeded RNG, errors, JSON/CSV helpers shared by every stage.
        .target(name: "Support", swiftSettings: fast),
        // Stage 1: float32 tensor kernels (forward and backward side by side), thread pool, AdamW.
        .target(name: "Kernels", dependencies: ["COpenBLAS", "Support"], swiftSettings: fast),
        // Stage 2: byte-level BPE tokenizer (train, encode, decode, tokenizer.json).
        .target(name: "Tokenizer", dependencies: ["Support", .product(name: "HeapModule", package: "swift-collections")], swiftSettings: fast),
        // Stage 3: corpora (manifests, preparation, synthetic languages) and token shards.
        .target(name: "Corpora", dependencies: ["Support", "Tokenizer", "Yams"], swiftSettings: fast),
        // Stage 4: decoder-only transformer built from a config, parameter and FLOP accounting.
        .target(name: "Model", dependencies: ["Kernels", "Support"], swiftSettings: fast),
        // Stage 5: training loop, schedules, metrics, run directories, throughput benchmark.
        .target(name: "Training", dependencies: ["Model", "Kernels", "Tokenizer", "Corpora", "Support", "Yams",
                                                 .product(name: "Logging", package: "swift-log")], swiftSettings: fast),
        // Stage 6: fitting the published scaling laws to loss logs.
        .target(name: "Fitting", dependencies: ["Support"], swiftSettings: fast),
        // SVG charts in a paper's style: scales and ticks, colour maps, one escaping SVG writer.
        .target(name: "Charts", swiftSettings: fast),
        // Stage 7: the study report: reads a sweep or runs directory, fits what the data allows,
        // draws the figures and writes one self-contained HTML file.
        .target(name: "Report", dependencies: ["Charts", "Fitting", "Support",
                                               .product(name: "Mustache", package: "swift-mustache")], swiftSettings: fast),
        // The command line: one small command type per file, each a thin call into the stages above.
        .target(name: "ScaleLabCLI", dependencies: [
            "Support", "Kernels", "Tokenizer", "Corpora", "Model", "Training", "Fitting", "Report",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: fast),
        .executableTarget(name: "scalelab", dependencies: ["ScaleLabCLI"], swiftSettings: fast),

        .testTarget(name: "SupportTests", dependencies: ["Support"], swiftSettings: fast),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "Support"], swiftSettings: fast),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "Support"], swiftSettings: fast),
        .testTarget(name: "CorporaTests", dependencies: ["Corpora", "Tokenizer", "Support"], swiftSettings: fast),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "Support"], swiftSettings: fast),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Model", "Kernels", "Corpora", "Support"], swiftSettings: fast),
        .testTarget(name: "FittingTests", dependencies: ["Fitting", "Support"], swiftSettings: fast),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"], swiftSettings: fast),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Charts", "Fitting", "Training", "Support"], swiftSettings: fast),
        .testTarget(name: "CLITests", dependencies: ["ScaleLabCLI", "Support"], swiftSettings: fast),
    ]
)
