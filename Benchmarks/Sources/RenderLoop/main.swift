// RenderLoop: renders one image with one transformation N times in this process and prints JSON.
// Used by ../../compare_render.py as Derive's in-process side; build with
//   swift build -c release --product RenderLoop
//
// Usage: RenderLoop IMAGE TRANSFORMATION FORMAT [ITERATIONS=20] [WARMUP=3] [OUTPUT]
//   FORMAT is an extension: jpg, png, webp, avif, gif, tiff, heic.
//   OUTPUT, if given, receives the last rendered image (to check sizes and quality).
// Prints {"ms_per_op":…, "ops":…, "max_rss_kb":…, "base_rss_kb":…, "bytes":…, "width":…, "height":…}.
// The input file is read once, before timing; each timed op is `Renderer.render` from those bytes
// to encoded output bytes in memory, exactly what the server does per render.

import DeriveRender
import DeriveTransform
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

func fail(_ message: String, code: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("RenderLoop: \(message)\n".utf8))
    exit(code)
}

/// Current resident set size in KiB (Linux: VmRSS from /proc/self/status; 0 elsewhere).
func currentRSSKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

/// Peak resident set size of this process in KiB (getrusage; Linux reports KiB).
func maxRSSKiB() -> Int {
    var usage = rusage()
    #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss) / 1024
    #else
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss)
    #endif
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    fail("usage: RenderLoop IMAGE TRANSFORMATION FORMAT [ITERATIONS=20] [WARMUP=3] [OUTPUT]")
}
let imagePath = arguments[1]
let transformationText = arguments[2]
guard let format = ImageFormat(name: arguments[3]) else { fail("unknown format \(arguments[3])") }
let iterations = arguments.count > 4 ? Int(arguments[4]) ?? 20 : 20
let warmup = arguments.count > 5 ? Int(arguments[5]) ?? 3 : 3
let outputPath = arguments.count > 6 ? arguments[6] : nil

guard let data = FileManager.default.contents(atPath: imagePath) else { fail("cannot read \(imagePath)") }
let bytes = [UInt8](data)
let transformation: Transformation
do {
    transformation = try Transformation(parsing: transformationText)
} catch {
    fail("bad transformation: \(error)")
}
let renderer = Renderer()
let baseRSS = currentRSSKiB()

var last: RenderedImage
do {
    last = try renderer.render(bytes, transformation: transformation, format: format)
    for _ in 1..<max(1, warmup) {
        last = try renderer.render(bytes, transformation: transformation, format: format)
    }
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<iterations {
        last = try renderer.render(bytes, transformation: transformation, format: format)
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    if let outputPath {
        FileManager.default.createFile(atPath: outputPath, contents: Data(last.bytes))
    }
    let msPerOp = seconds * 1000 / Double(max(1, iterations))
    print(
        """
        {"ms_per_op": \(msPerOp), "ops": \(iterations), "max_rss_kb": \(maxRSSKiB()), \
        "base_rss_kb": \(baseRSS), "bytes": \(last.bytes.count), "width": \(last.width), \
        "height": \(last.height)}
        """)
} catch {
    fail("render failed: \(error)", code: 3)
}
