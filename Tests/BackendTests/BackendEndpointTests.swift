internal import Testing

@testable internal import Backend

/// Resolution of a configured host into endpoints: literals without DNS, names to every address.
@Suite("Backend endpoint")
struct BackendEndpointTests {
    @Test(
        "A literal address resolves to itself, without a lookup",
        arguments: [
            ("127.0.0.1", "127.0.0.1:50051", "127.0.0.1:50051"),
            ("10.1.2.3", "10.1.2.3:50051", "10.1.2.3:50051"),
            ("::1", "[::1]:50051", "[::1]:50051"),
            ("fd00::7", "[fd00::7]:50051", "[fd00::7]:50051"),
        ])
    func literal(host: String, authority: String, description: String) throws {
        let endpoints = try BackendEndpoint.resolve(host: host, port: 50051)
        #expect(endpoints.count == 1)
        #expect(endpoints.first?.address == host)
        #expect(endpoints.first?.authority == authority)
        #expect(endpoints.first?.description == description)
        #expect(BackendEndpoint.isLiteral(host))
    }

    @Test("Names are not literals", arguments: ["localhost", "orders.internal", "1.2.3", "::g", ""])
    func notLiteral(host: String) {
        #expect(!BackendEndpoint.isLiteral(host))
    }

    @Test("A name resolves to all its addresses, each described with the name and the address")
    func name() throws {
        let endpoints = try BackendEndpoint.resolve(host: "localhost", port: 50051)
        #expect(!endpoints.isEmpty)
        #expect(Set(endpoints).count == endpoints.count, "no duplicates")
        #expect(endpoints.contains { $0.address == "127.0.0.1" })
        for endpoint in endpoints {
            #expect(endpoint.host == "localhost")
            #expect(endpoint.authority == "localhost:50051", "the :authority keeps the configured name")
            #expect(endpoint.description == "localhost:50051 (\(endpoint.address))")
        }
        #expect(try BackendEndpoint.resolve(host: "localhost", port: 50051) == endpoints, "stable order")
    }

    @Test("Answers are deduplicated and sorted IPv4 first, then by address, whatever their order")
    func canonicalOrder() {
        let answer = ["fd00::1", "10.0.0.2", "::1", "10.0.0.1", "10.0.0.2", "::1"].map {
            BackendEndpoint(host: "orders.internal", port: 1, address: $0)!
        }
        let expected = ["10.0.0.1", "10.0.0.2", "::1", "fd00::1"]
        #expect(BackendEndpoint.canonicalOrder(answer).map(\.address) == expected)
        #expect(BackendEndpoint.canonicalOrder(answer.reversed()).map(\.address) == expected)
    }

    @Test("A name that does not resolve fails with the host in the message")
    func unresolvable() {
        // RFC 6761 §6.4: names under .invalid never resolve.
        let error = #expect(throws: BackendError.self) {
            try BackendEndpoint.resolve(host: "no-such-backend.invalid", port: 50051)
        }
        #expect(error?.description.hasPrefix("cannot resolve backend host no-such-backend.invalid: ") == true)
    }

    @Test("Equal host, port and address make equal endpoints; any difference does not")
    func identity() {
        let endpoint = BackendEndpoint(host: "a", port: 1, address: "10.0.0.1")
        #expect(endpoint == BackendEndpoint(host: "a", port: 1, address: "10.0.0.1"))
        #expect(endpoint != BackendEndpoint(host: "b", port: 1, address: "10.0.0.1"))
        #expect(endpoint != BackendEndpoint(host: "a", port: 2, address: "10.0.0.1"))
        #expect(endpoint != BackendEndpoint(host: "a", port: 1, address: "10.0.0.2"))
        #expect(BackendEndpoint(host: "a", port: 1, address: "not-an-address") == nil)
    }
}
