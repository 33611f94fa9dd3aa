import GRPCWire
import Testing

@Suite("HeaderRules")
struct HeaderRulesTests {
    @Test(
        "Hop-by-hop and framing headers are not forwarded",
        arguments: [
            "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "host",
            "content-length", "http2-settings", "trailer", "trailers",
        ]
    )
    func hopByHop(name: String) {
        #expect(HeaderRules.isHopByHop(name))
    }

    @Test(
        "End-to-end headers are forwarded",
        arguments: ["authorization", "content-type", "user-agent", "x-request-id", "grpc-timeout", "tee", "hosts", ""]
    )
    func endToEnd(name: String) {
        #expect(!HeaderRules.isHopByHop(name))
    }

    @Test(
        "grpc- names are blocked, except grpc-timeout",
        arguments: [
            ("grpc-status", true), ("grpc-message", true), ("grpc-encoding", true), ("grpc-status-details-bin", true),
            ("grpc-", true), ("grpc-timeout", false), ("grpc-timeouts", true), ("grpc", false), ("x-grpc-web", false),
            ("grpcx-a", false), ("authorization", false),
        ]
    )
    func reserved(name: String, blocked: Bool) {
        #expect(HeaderRules.isReservedForwardingBlocked(name) == blocked)
    }

    @Test(
        "Metadata keys are one or more of [0-9a-z_.-]",
        arguments: [
            ("x-user-id", true), ("a", true), ("0_.-z", true), ("trace.bin", true), ("", false), ("X-User", false),
            ("a b", false), ("a:b", false), (":path", false), ("caf\u{E9}", false), ("a/b", false), ("a\u{0}", false),
        ]
    )
    func metadataKey(name: String, valid: Bool) {
        #expect(HeaderRules.isValidMetadataKey(name) == valid)
    }
}
