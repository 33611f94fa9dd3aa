// swift-tools-version:6.1
//
// A deliberately fast gRPC backend for scripts/bench: the orders.OrderService methods the benchmark
// calls, answered with fixed pre-encoded protobuf messages by a single-threaded h2c server on
// libevent and libnghttp2 (the C libraries the gateway itself uses), so the proxies in front of it,
// not the backend, are the bottleneck. See Sources/BenchBackend/BenchBackend.swift for why it is not
// built on grpc-swift-2.
//
// Its own package: the gateway's package does not depend on it, and it builds in seconds.
import PackageDescription

let package = Package(
    name: "bench-backend",
    products: [
        .executable(name: "bench-backend", targets: ["BenchBackend"])
    ],
    targets: [
        .systemLibrary(name: "CLibevent", pkgConfig: "libevent", providers: [.apt(["libevent-dev"])]),
        .systemLibrary(name: "CNghttp2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .executableTarget(
            name: "BenchBackend",
            dependencies: ["CLibevent", "CNghttp2"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
