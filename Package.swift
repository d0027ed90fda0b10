// swift-tools-version:6.0
// ScaleLab: corpus → tokenizer → shards → tiny transformers → loss logs → fitted scaling laws.
// One target per stage of that data flow; each lists exactly the stages its imports use.
import PackageDescription

// Hot loops need FMA code generation and a vectorisable sqrt (see README, "Performance").
// `-fno-math-errno` lets Float.squareRoot() lower to a vector sqrt instead of a libm call per lane.
// `-enable-testing` lets the tests, which run in release mode, reach internal API; with it in every
// build, `swift build -c release` and `swift test -c release` share one set of objects.
// `-target-cpu haswell` (AVX2 + FMA) only where the host is x86_64: arm64 and macOS builds use the
// compiler's default target for their architecture.
#if arch(x86_64)
let cpuFlags = ["-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif
let fast: [SwiftSetting] = [.unsafeFlags(cpuFlags + ["-Xcc", "-fno-math-errno", "-enable-testing"])]

let package = Package(
    name: "ScaleLab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "scalelab", targets: ["scalelab"]),
        .library(name: "ScaleLab", targets: ["Kernels", "Tokenizer", "Corpora", "Shards", "Model", "Training",
                                             "Sweep", "Inference", "Fitting", "Charts", "Report", "Studies"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // The platform's BLAS for every matrix multiply: Debian's libopenblas-dev on Linux,
        // Accelerate on macOS. shim.h is the only file that knows which.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // Atomic and streaming file writes, hashes (SHA-256, FNV-1a), the seeded generator, errors,
        // strict YAML/JSON decoding: shared by every stage.
        .target(name: "Support", dependencies: ["Yams"], swiftSettings: fast),
        // Kernels in C compiled for AVX-512 and for AVX2+FMA, the variant chosen at run time from
        // the CPU (Swift compiles a module for one instruction set only).
        .target(name: "SIMDKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        // Float32 tensor kernels (forward and backward side by side), thread pool, AdamW.
        .target(name: "Kernels", dependencies: ["CBLAS", "SIMDKernels", "Support"], swiftSettings: fast,
                linkerSettings: [.linkedLibrary("openblas", .when(platforms: [.linux])),
                                 .linkedFramework("Accelerate", .when(platforms: [.macOS]))]),
        // Byte-level BPE: training, encoding, decoding, tokenizer files. No token-file I/O.
        .target(name: "Tokenizer", dependencies: ["Support", .product(name: "HeapModule", package: "swift-collections")],
                swiftSettings: fast),
        // Corpora: manifests, the cache, preparation of text, synthetic languages with exact entropy.
        .target(name: "Corpora", dependencies: ["Support"], swiftSettings: fast),
        // Token files: one format and sidecar, one streaming writer, the memory-mapped reader, the
        // corpus shard and tokenizer caches, and the one batch sampler.
        .target(name: "Shards", dependencies: ["Support", "Tokenizer", "Corpora"], swiftSettings: fast),
        // The decoder-only transformer built from a config; parameter and FLOP accounting.
        .target(name: "Model", dependencies: ["Kernels", "Support"], swiftSettings: fast),
        // One training run: config, schedules, the loop, checkpoints, the run directory.
        .target(name: "Training", dependencies: ["Model", "Kernels", "Shards", "Tokenizer", "Support", "Yams"],
                swiftSettings: fast),
        // Many runs: sweep configs, planning, WSD branching from shared trunks, local and Slurm executors.
        .target(name: "Sweep", dependencies: ["Training", "Model", "Kernels", "Corpora", "Support", "Yams"], swiftSettings: fast),
        // Using a trained run: sampling text, Hugging Face export.
        .target(name: "Inference", dependencies: ["Training", "Model", "Tokenizer", "Support"], swiftSettings: fast),
        // Training-step throughput and the sgemm ceiling, measured in one run.
        .target(name: "Benchmarks", dependencies: ["Training", "Model", "Kernels", "Support"], swiftSettings: fast),
        // Fitting the published scaling laws to loss logs.
        .target(name: "Fitting", dependencies: ["Support"], swiftSettings: fast),
        // Paper-style figures as SVG, written through one escaping writer (no Swift plotting library
        // for Linux does this).
        .target(name: "Charts", swiftSettings: fast),
        // The study report: one self-contained HTML page (Mustache template) with figures and fitted laws.
        .target(name: "Report", dependencies: ["Charts", "Fitting", "Support",
                                               .product(name: "Mustache", package: "swift-mustache")], swiftSettings: fast),
        // A study end to end (sweep → fit → report → headline): the quickstart and the labs,
        // which are sweep configs with a `study:` section in configs/.
        .target(name: "Studies", dependencies: ["Sweep", "Fitting", "Report", "Corpora", "Training", "Support"], swiftSettings: fast),
        // The command line: one small command type per file, each a thin call into the stages above.
        .target(name: "ScaleLabCLI", dependencies: [
            "Support", "Kernels", "Tokenizer", "Corpora", "Shards", "Training", "Sweep", "Inference", "Benchmarks", "Fitting", "Report", "Studies",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: fast),
        .executableTarget(name: "scalelab", dependencies: ["ScaleLabCLI"], swiftSettings: fast),

        .testTarget(name: "SupportTests", dependencies: ["Support"], swiftSettings: fast),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "Support"], swiftSettings: fast),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "Support"], swiftSettings: fast),
        .testTarget(name: "CorporaTests", dependencies: ["Corpora", "Support"], swiftSettings: fast),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "Corpora", "Tokenizer", "Support"], swiftSettings: fast),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Kernels", "Support"], swiftSettings: fast),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Sweep", "Inference", "Benchmarks", "Model", "Kernels", "Shards",
                                                          "Support"], swiftSettings: fast),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"], swiftSettings: fast),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Charts", "Fitting", "Training", "Sweep", "Support"], swiftSettings: fast),
        .testTarget(name: "FittingTests", dependencies: ["Fitting", "Support"], swiftSettings: fast),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Training", "Model", "Support"], swiftSettings: fast),
        .testTarget(name: "StudiesTests", dependencies: ["Studies", "Sweep", "Fitting", "Support"], swiftSettings: fast),
        .testTarget(name: "CLITests", dependencies: ["ScaleLabCLI", "Support"], swiftSettings: fast),
    ]
)
