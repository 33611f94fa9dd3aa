import Testing

@testable import Gateway

@Suite("GRPCWebCall.ContentType")
struct GRPCWebContentTypeTests {
    @Test(
        "gRPC-Web content types are recognised with their mode and codec",
        arguments: [
            ("application/grpc-web", false, "proto"),
            ("application/grpc-web+proto", false, "proto"),
            ("application/grpc-web+json", false, "json"),
            ("application/grpc-web-text", true, "proto"),
            ("application/grpc-web-text+proto", true, "proto"),
            ("Application/GRPC-Web-Text; charset=utf-8", true, "proto"),
            ("application/grpc-web ; q=1", false, "proto"),
        ])
    func recognised(value: String, isText: Bool, codec: String) throws {
        let type = try #require(GRPCWebCall.ContentType(value))
        #expect(type.isText == isText)
        #expect(type.codec == codec)
    }

    @Test(
        "Other content types are not gRPC-Web",
        arguments: [
            "application/grpc", "application/grpc+proto", "application/grpc-webx", "application/grpc-web+",
            "application/grpc-web-texts", "application/json", "text/plain", "",
        ])
    func notRecognised(value: String) {
        #expect(GRPCWebCall.ContentType(value) == nil)
    }

    @Test("A missing content type is not gRPC-Web")
    func missing() {
        #expect(GRPCWebCall.ContentType(nil) == nil)
    }

    @Test(
        "An Accept value asks for text replies if it names application/grpc-web-text anywhere, in any case",
        arguments: [
            ("application/grpc-web-text", true), ("*/*, Application/GRPC-Web-Text;q=0.9", true),
            ("application/grpc-web", false), ("application/grpc-web-tex", false), ("", false),
        ])
    func acceptText(value: String, expected: Bool) {
        #expect(GRPCWebCall.mentionsTextContentType(value) == expected)
    }
}
