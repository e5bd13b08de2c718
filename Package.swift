// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Derive",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Derive", targets: ["Derive"]),
        .library(name: "DeriveTransform", targets: ["DeriveTransform"]),
        .library(name: "DeriveRender", targets: ["DeriveRender"]),
        .library(name: "DeriveStore", targets: ["DeriveStore"]),
        .library(name: "DeriveServer", targets: ["DeriveServer"]),
        .executable(name: "derive", targets: ["derive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"]), .brew(["vips"])]
        ),
        .target(name: "DeriveTransform", swiftSettings: strict),
        .target(
            name: "DeriveRender",
            dependencies: ["CVips", "DeriveTransform"],
            swiftSettings: strict
        ),
        .target(
            name: "DeriveStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API itself, for the event log's bulk inserts (see SQLiteBinding.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Blob file I/O on threads of its own (BlockingIO.swift).
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Derive",
            dependencies: [
                "DeriveTransform", "DeriveRender", "DeriveStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // Renders, queue and cache emit through swift-metrics; the server exports them.
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DeriveServer",
            dependencies: [
                "Derive",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // Upload and Admin API bodies (multipart/form-data, as the SDKs send).
                .product(name: "MultipartKit", package: "multipart-kit"),
                // `GET /metrics` in Prometheus' text format.
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                // Remote `file` URLs of uploads: redirects, deadlines, body limits and DNS pinning.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "derive",
            dependencies: [
                "Derive", "DeriveServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "DeriveTransformTests", dependencies: ["DeriveTransform"], swiftSettings: strict),
        .testTarget(
            name: "DeriveRenderTests",
            dependencies: ["DeriveRender", "CVips"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeriveStoreTests",
            dependencies: [
                "DeriveStore",
                .product(name: "GRDB", package: "GRDB.swift"),  // the migration test
                .product(name: "GRDBSQLite", package: "GRDB.swift"),  // the wal-index tests' own connections
            ],
            swiftSettings: strict
        ),
        // The runnable library example (README "The Swift library"): `swift run derive-example`.
        .executableTarget(
            name: "derive-example", dependencies: ["Derive"], path: "Examples/MediaService", swiftSettings: strict),
        // The child process of the SIGKILL crash test (Tests/DeriveTests/CrashTests.swift): uploads,
        // renders and deletes in a loop, printing each acknowledged step. A test helper, not a product.
        .executableTarget(
            name: "derive-crash-worker", dependencies: ["Derive"], path: "Tests/CrashWorker", swiftSettings: strict),
        .testTarget(
            name: "DeriveTests",
            dependencies: [
                "Derive", "derive-crash-worker",
                .product(name: "NIOCore", package: "swift-nio"),
                // The regeneration tests write an old renderer fingerprint into the catalog.
                .product(name: "GRDB", package: "GRDB.swift"),
                // The webhook test's loopback receiver.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeriveCLITests", dependencies: ["derive", "Derive", "DeriveRender", "DeriveStore"],
            swiftSettings: strict),
        .testTarget(
            name: "DeriveServerTests",
            dependencies: [
                "DeriveServer", "DeriveRender", "DeriveStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
    ]
)
