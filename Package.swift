// swift-tools-version:6.1
import PackageDescription

/// One set of settings for every target, tests included (as valkey-swift does).
var defaultSwiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
#if compiler(>=6.2)
defaultSwiftSettings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
#endif

let package = Package(
    name: "swift-zcached",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ZCachedCore", targets: ["ZCachedCore"]),
        .library(name: "ZCachedTransport", targets: ["ZCachedTransport"]),
        .library(name: "ZCachedPool", targets: ["ZCachedPool"]),
        .library(name: "ZCachedClient", targets: ["ZCachedClient"]),
        .library(name: "ZCachedCodable", targets: ["ZCachedCodable"]),
        .library(name: "ZCachedTesting", targets: ["ZCachedTesting"]),
        .executable(name: "zcached-benchmark", targets: ["ZCachedBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "ZCachedCore",
            path: "Modules/ZCachedCore",
            swiftSettings: defaultSwiftSettings
        ),
        .target(
            name: "ZCachedTransport",
            dependencies: [
                "ZCachedCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Modules/ZCachedTransport",
            swiftSettings: defaultSwiftSettings
        ),
        .target(
            name: "ZCachedPool",
            dependencies: ["ZCachedCore", "ZCachedTransport"],
            path: "Modules/ZCachedPool",
            swiftSettings: defaultSwiftSettings
        ),
        .target(
            name: "ZCachedClient",
            dependencies: [
                "ZCachedCore",
                "ZCachedTransport",
                "ZCachedPool",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Modules/ZCachedClient",
            swiftSettings: defaultSwiftSettings
        ),
        .target(
            name: "ZCachedCodable",
            dependencies: ["ZCachedCore", "ZCachedClient"],
            path: "Modules/ZCachedCodable",
            swiftSettings: defaultSwiftSettings
        ),
        .target(
            name: "ZCachedTesting",
            dependencies: [
                "ZCachedCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Modules/ZCachedTesting",
            swiftSettings: defaultSwiftSettings
        ),
        .executableTarget(
            name: "ZCachedBenchmark",
            dependencies: [
                "ZCachedCore",
                "ZCachedClient",
                "ZCachedCodable",
                "ZCachedTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Benchmarks/zcached-benchmark",
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedCoreTests",
            dependencies: ["ZCachedCore"],
            path: "Tests/ZCachedCoreTests",
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedConformanceTests",
            dependencies: ["ZCachedCore", "ZCachedTesting"],
            path: "Tests/ZCachedConformanceTests",
            resources: [.copy("Fixtures")],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedTransportTests",
            dependencies: [
                "ZCachedCore",
                "ZCachedTransport",
                "ZCachedTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/ZCachedTransportTests",
            exclude: ["Fixtures/README.md"],
            resources: [.copy("Fixtures/ca.pem"), .copy("Fixtures/server.pem"), .copy("Fixtures/server.key")],
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedPoolTests",
            dependencies: ["ZCachedCore", "ZCachedTransport", "ZCachedPool"],
            path: "Tests/ZCachedPoolTests",
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedClientTests",
            dependencies: [
                "ZCachedCore",
                "ZCachedClient",
                "ZCachedPool",
                "ZCachedTransport",
                "ZCachedTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/ZCachedClientTests",
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedReliabilityTests",
            dependencies: ["ZCachedCore", "ZCachedClient", "ZCachedTransport", "ZCachedPool", "ZCachedTesting"],
            path: "Tests/ZCachedReliabilityTests",
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedCodableTests",
            dependencies: ["ZCachedCore", "ZCachedClient", "ZCachedCodable", "ZCachedTesting"],
            path: "Tests/ZCachedCodableTests",
            swiftSettings: defaultSwiftSettings
        ),
        .testTarget(
            name: "ZCachedTestingTests",
            dependencies: ["ZCachedCore", "ZCachedTesting"],
            path: "Tests/ZCachedTestingTests",
            swiftSettings: defaultSwiftSettings
        ),
        // Runnable examples (`swift run ZCachedExampleMemoizer`); built with everything else so
        // CI keeps them compiling against the real API.
        .executableTarget(
            name: "ZCachedExampleMemoizer",
            dependencies: ["ZCachedCodable", "ZCachedTesting"],
            path: "Examples/Memoizer",
            swiftSettings: defaultSwiftSettings
        ),
        .executableTarget(
            name: "ZCachedExampleBlockingWorkers",
            dependencies: ["ZCachedClient", "ZCachedTesting"],
            path: "Examples/BlockingWorkers",
            swiftSettings: defaultSwiftSettings
        ),
        .executableTarget(
            name: "ZCachedExampleServiceApp",
            dependencies: [
                "ZCachedClient",
                "ZCachedTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Examples/ServiceApp",
            swiftSettings: defaultSwiftSettings
        ),
    ]
)

// Instruction and malloc counts for encode, decode and one round trip (ordo-one/package-benchmark).
// Opt-in, so the default build and CI stay lean: ZCACHED_PACKAGE_BENCHMARKS=1 swift package benchmark
if Context.environment["ZCACHED_PACKAGE_BENCHMARKS"] != nil {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(
        .executableTarget(
            name: "ZCachedMicroBenchmarks",
            dependencies: [
                "ZCachedCore",
                "ZCachedTransport",
                "ZCachedPool",
                "ZCachedTesting",
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/ZCachedMicroBenchmarks",
            swiftSettings: defaultSwiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        )
    )
}
