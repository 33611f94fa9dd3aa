import Config
import Testing

@testable import Gateway

@Suite("CORS")
struct CORSTests {
    @Test("Responses expose the gRPC status headers, configured names and the response's metadata")
    func exposedHeaders() {
        let cors = CORS(policy: CORSPolicy(allowedOrigins: ["http://a.example"], exposeHeaders: ["x-extra"]))
        let headers = cors.responseHeaders(origin: "http://a.example", exposing: ["x-echo-foo", "grpc-status"])
        let byName = Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(byName["Access-Control-Allow-Origin"] == "http://a.example")
        #expect(byName["Vary"] == "Origin")
        #expect(byName["Access-Control-Expose-Headers"] == "grpc-status,grpc-message,grpc-status-details-bin,x-extra,x-echo-foo")
        #expect(byName["Access-Control-Allow-Credentials"] == nil)
    }

    @Test("Credentials are granted only when configured")
    func credentials() {
        let cors = CORS(policy: CORSPolicy(allowedOrigins: ["http://a.example"], allowCredentials: true))
        let headers = cors.responseHeaders(origin: "http://a.example", exposing: [])
        #expect(headers.contains { $0.name == "Access-Control-Allow-Credentials" && $0.value == "true" })
    }
}
