// swift-tools-version: 6.1
import PackageDescription

/// Swift 6 language mode everywhere: complete strict-concurrency checking on every target.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "stream-engine",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Stream", targets: ["Stream"]),
        .library(name: "Operators", targets: ["Operators"]),
        .library(name: "Connectors", targets: ["Connectors"]),
        .library(name: "StreamTesting", targets: ["StreamTesting"]),
        .library(name: "StreamJobKit", targets: ["StreamJobKit"]),
        .executable(name: "stream-job", targets: ["StreamJobTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "Stream",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: settings
        ),
        .target(name: "Operators", dependencies: ["Stream"], swiftSettings: settings),
        .target(
            name: "Connectors",
            dependencies: [
                "Stream", "CRdKafka",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .target(name: "StreamTesting", dependencies: ["Stream", "Operators", "Connectors"], swiftSettings: settings),
        .target(name: "Samples", dependencies: ["Stream", "Operators", "Connectors"], path: "samples", swiftSettings: settings),
        .target(name: "StreamBenchmarks", dependencies: ["Stream", "Operators", "Connectors", "Samples"], path: "Benchmarks", exclude: ["c"], swiftSettings: settings),
        .target(name: "CAllocatorTuning"),
        .target(
            name: "StreamJobKit",
            dependencies: [
                "Stream", "Connectors", "CAllocatorTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "StreamJobTool",
            dependencies: [
                "Stream", "Operators", "Connectors", "Samples", "StreamBenchmarks", "StreamJobKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/StreamJob",
            swiftSettings: settings
        ),
        .executableTarget(
            name: "ClickJobs",
            dependencies: ["Connectors", "Operators", "StreamJobKit"],
            path: "Examples/ClickJobs",
            swiftSettings: settings
        ),
        .testTarget(
            name: "StreamTests",
            dependencies: ["Stream", "Operators", "StreamTesting", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "ConnectorsTests",
            dependencies: ["Connectors", "Operators", "StreamTesting", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: settings
        ),
        .testTarget(name: "SamplesTests", dependencies: ["Samples", "Stream", "Connectors"], swiftSettings: settings),
        .testTarget(name: "IntegrationTests", dependencies: ["StreamJobTool", "ClickJobs", "StreamJobKit", "Stream", "Connectors", "Samples", "StreamBenchmarks", "StreamTesting"], swiftSettings: settings),
    ],
    swiftLanguageModes: [.v6]
)
