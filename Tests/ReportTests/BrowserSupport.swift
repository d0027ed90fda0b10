import Foundation

/// Headless Chromium (Debian's `chromium` package), run as a subprocess with a time limit.
enum Chromium {
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let p = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return nil
    }()

    /// Runs chromium headless with `arguments` and a throwaway profile; returns standard output.
    static func run(_ arguments: [String], timeout: TimeInterval = 90) throws -> String {
        guard let exe = executable else { throw BrowserError.failed("chromium is not installed") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--mute-audio",
                       "--user-data-dir=\(profile.path)"] + arguments
        // Output goes to files, so a full pipe can never block the browser.
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let outURL = profile.appendingPathComponent("stdout"), errURL = profile.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        p.standardOutput = out; p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if p.isRunning {
            p.terminate()
            throw BrowserError.failed("chromium did not finish within \(Int(timeout)) s")
        }
        let stdout = (try? Data(contentsOf: outURL)) ?? Data(), stderr = (try? Data(contentsOf: errURL)) ?? Data()
        guard p.terminationStatus == 0 else {
            throw BrowserError.failed("chromium exited with \(p.terminationStatus): \(String(decoding: stderr.suffix(2000), as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }
}

enum BrowserError: Error, CustomStringConvertible {
    case failed(String)
    var description: String { if case let .failed(s) = self { return s }; return "" }
}

/// An 8-bit RGB(A) PNG decoded with the system's zlib (`uncompress`, looked up at run time so
/// the package needs no zlib target) and the five PNG row filters.
struct PNGImage {
    var width: Int, height: Int, channels: Int
    var pixels: [UInt8]

    typealias Uncompress = @convention(c) (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt>, UnsafePointer<UInt8>, UInt) -> Int32

    static func decode(_ data: Data) throws -> PNGImage {
        let bytes = [UInt8](data)
        guard bytes.count > 33, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw BrowserError.failed("not a PNG file") }
        func u32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var pos = 8, width = 0, height = 0, channels = 0
        var idat: [UInt8] = []
        while pos + 8 <= bytes.count {
            let n = u32(pos), type = String(decoding: bytes[(pos + 4)..<(pos + 8)], as: UTF8.self)
            guard pos + 12 + n <= bytes.count else { throw BrowserError.failed("truncated PNG chunk \(type)") }
            let body = bytes[(pos + 8)..<(pos + 8 + n)]
            if type == "IHDR" {
                width = u32(pos + 8); height = u32(pos + 12)
                let depth = body[body.startIndex + 8], colour = body[body.startIndex + 9], interlace = body[body.startIndex + 12]
                guard depth == 8, colour == 2 || colour == 6, interlace == 0 else { throw BrowserError.failed("PNG not 8-bit RGB/RGBA non-interlaced (depth \(depth), colour \(colour))") }
                channels = colour == 6 ? 4 : 3
            } else if type == "IDAT" { idat += body }
            pos += 12 + n
        }
        guard width > 0, height > 0, width * height < 100_000_000 else { throw BrowserError.failed("PNG size \(width)×\(height) out of range") }
        guard let lib = dlopen("libz.so.1", RTLD_NOW), let sym = dlsym(lib, "uncompress") else { throw BrowserError.failed("libz.so.1 not found") }
        let uncompress = unsafeBitCast(sym, to: Uncompress.self)
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: height * (stride + 1))
        var rawLength = UInt(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { r in idat.withUnsafeBufferPointer { i in uncompress(r.baseAddress!, &rawLength, i.baseAddress!, UInt(i.count)) } }
        guard status == 0, rawLength == UInt(raw.count) else { throw BrowserError.failed("PNG data did not inflate (zlib status \(status))") }
        var pixels = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)], src = y * (stride + 1) + 1, dst = y * stride
            for x in 0..<stride {
                let a = x >= channels ? Int(pixels[dst + x - channels]) : 0
                let b = y > 0 ? Int(pixels[dst - stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(pixels[dst - stride + x - channels]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw BrowserError.failed("PNG row \(y): unknown filter \(filter)")
                }
                pixels[dst + x] = UInt8((Int(raw[src + x]) + predictor) & 0xff)
            }
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Fraction of pixels that differ from the page's white background.
    var inkFraction: Double {
        var ink = 0
        for i in Swift.stride(from: 0, to: pixels.count, by: channels) where pixels[i] < 240 || pixels[i + 1] < 240 || pixels[i + 2] < 240 { ink += 1 }
        return Double(ink) / Double(width * height)
    }
}
