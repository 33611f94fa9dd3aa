// swift-tools-version:6.1
//
// A deliberately fast gRPC backend for scripts/bench: the orders.OrderService methods the benchmark
// calls, answered with fixed pre-encoded protobuf bytes on grpc-swift-2 (SwiftNIO HTTP/2), so the
// proxies in front of it, not the backend, are the bottleneck. No code generation: handlers are
// registered on the RPCRouter with a pass-through [UInt8] serializer.
//
// Its own package so the gateway's package does not depend on grpc-swift-2 or SwiftNIO.
import PackageDescription

let package = Package(
    name: "bench-backend",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bench-backend", targets: ["BenchBackend"])
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.96.0"),
    ],
    targets: [
        .executableTarget(
            name: "BenchBackend",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
