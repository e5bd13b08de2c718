// Render benchmarks (issues 2 and 4): whole renders through `Renderer.render`, from source bytes
// already in memory to encoded output bytes, the way the server calls it.
//
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target RenderBenchmarks
//
// Jobs that the renderer cannot do yet (the chain uses `e_sharpen` and `a_90`) are tried once at
// start-up and only registered when that render succeeds, so this file keeps working today and picks
// them up once the renderer supports them.

import Benchmark
import DeriveRender
import DeriveTransform
import Foundation

/// `TestImages/` of the main package: `$DERIVE_TEST_IMAGES`, else found from this file's location
/// (`Benchmarks/Benchmarks/RenderBenchmarks/` → three levels up).
private func testImage(_ name: String) -> [UInt8] {
    let directory: URL
    if let override = ProcessInfo.processInfo.environment["DERIVE_TEST_IMAGES"], !override.isEmpty {
        directory = URL(fileURLWithPath: override)
    } else {
        directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TestImages")
    }
    let url = directory.appendingPathComponent(name)
    guard let data = FileManager.default.contents(atPath: url.path) else {
        fatalError("RenderBenchmarks: cannot read test image \(url.path)")
    }
    return [UInt8](data)
}

private struct RenderJob: Sendable {
    var name: String
    var image: String
    var transformation: String
    var format: ImageFormat
}

private let jobs: [RenderJob] = [
    // issue 2: the first render benchmark
    RenderJob(
        name: "12MP JPEG c_fill,w_300,h_200 -> JPEG", image: "photo_12mp.jpg",
        transformation: "c_fill,w_300,h_200", format: .jpeg),
    // issue 4
    RenderJob(
        name: "12MP JPEG c_fill,w_300,h_200 -> WebP", image: "photo_12mp.jpg",
        transformation: "c_fill,w_300,h_200", format: .webp),
    RenderJob(
        name: "PNG alpha 2135x2048 w_800 -> PNG", image: "alpha_magick_logo.png",
        transformation: "w_800", format: .png),
    RenderJob(
        name: "12MP JPEG w_1000/e_sharpen/a_90 -> JPEG", image: "photo_12mp.jpg",
        transformation: "w_1000/e_sharpen/a_90", format: .jpeg),
]

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [
            .wallClock, .throughput, .cpuTotal,
            .peakMemoryResident, .peakMemoryResidentDelta,
            .mallocCountTotal, .mallocBytesCount, .memoryLeakedBytes,
        ],
        warmupIterations: 2,
        maxDuration: .seconds(5),
        maxIterations: 200
    )
    let renderer = Renderer()

    for job in jobs {
        let bytes = testImage(job.image)
        let transformation: Transformation
        do {
            transformation = try Transformation(parsing: job.transformation)
            // Registered only if the renderer can do it today.
            _ = try renderer.render(bytes, transformation: transformation, format: job.format)
        } catch {
            FileHandle.standardError.write(
                Data("RenderBenchmarks: skipping \"\(job.name)\": \(error)\n".utf8))
            continue
        }
        Benchmark(job.name, configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try renderer.render(bytes, transformation: transformation, format: job.format))
            }
        }
    }
}
