// swift-tools-version: 6.1
//
// Benchmarks for Derive, kept in their own package so that the main package does not depend on
// ordo-one/benchmark. Run from this directory:
//
//   swift package --allow-writing-to-package-directory benchmark --target RenderBenchmarks
//   swift package --allow-writing-to-package-directory benchmark --target TransformBenchmarks
//   swift package --allow-writing-to-package-directory benchmark --target LifecycleBenchmarks
//   swift build -c release --product RenderLoop && python3 compare_render.py
//   swift build -c release --product DeleteLoop && .build/release/DeleteLoop 20000
//
// See ../BENCHMARKS.md for what each one measures and the latest numbers.
import PackageDescription

// The main package is a path dependency. Its identity is the last component of its path (here
// "main"; CI clones into a directory of unknown name), and `.product(name:package:)` does NOT accept
// the name from the dependency's own manifest: `package: "Derive"` after a plain `.package(path: "..")`
// fails with "unknown package 'Derive' ... valid packages are: 'main'". Naming the dependency on the
// `.package(name:path:)` line makes "Derive" valid whatever the directory is called.
let derive = "Derive"

let package = Package(
    name: "DeriveBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Derive", path: ".."),
        // The "MallocInterposer" trait alone: on Linux with Swift 6.3 the default traits also pull in
        // ordo-one/swift-runtime-interposer, which the offline package mirror does not have.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RenderBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DeriveRender", package: derive),
                .product(name: "DeriveTransform", package: derive),
            ],
            path: "Benchmarks/RenderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TransformBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DeriveTransform", package: derive),
            ],
            path: "Benchmarks/TransformBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LifecycleBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Derive", package: derive),
                .product(name: "DeriveStore", package: derive),
                "LifecycleFixtures",
            ],
            path: "Benchmarks/LifecycleBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .target(
            name: "LifecycleFixtures",
            dependencies: [
                .product(name: "Derive", package: derive),
                .product(name: "DeriveStore", package: derive),
            ],
            path: "Sources/LifecycleFixtures",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // The bulk delete alone, timed and printed, for profiling: `perf record -g -- DeleteLoop 20000`.
        .executableTarget(
            name: "DeleteLoop",
            dependencies: ["LifecycleFixtures", .product(name: "Derive", package: derive)],
            path: "Sources/DeleteLoop",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // A plain loop for compare_render.py: renders one image N times in-process and prints JSON.
        .executableTarget(
            name: "RenderLoop",
            dependencies: [
                .product(name: "DeriveRender", package: derive),
                .product(name: "DeriveTransform", package: derive),
            ],
            path: "Sources/RenderLoop",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
