import Frontend
import GRPCWire
import Testing

@Suite("HTTPReasonPhrase")
struct HTTPReasonPhraseTests {
    @Test(
        "Statuses we send have their reason phrase",
        arguments: [
            (200, "OK"),
            (204, "No Content"),
            (400, "Bad Request"),
            (401, "Unauthorized"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (409, "Conflict"),
            (413, "Payload Too Large"),
            (415, "Unsupported Media Type"),
            (429, "Too Many Requests"),
            (431, "Request Header Fields Too Large"),
            (499, "Client Closed Request"),
            (500, "Internal Server Error"),
            (501, "Not Implemented"),
            (502, "Bad Gateway"),
            (503, "Service Unavailable"),
            (504, "Gateway Timeout"),
        ]
    )
    func reasonPhrase(status: Int, phrase: String) {
        #expect(HTTPReasonPhrase.phrase(for: status) == phrase)
    }

    @Test("An unlisted status has an empty reason phrase", arguments: [299, 418, 599, 0])
    func unlistedReasonPhrase(status: Int) {
        #expect(HTTPReasonPhrase.phrase(for: status) == "")
    }

    @Test("Every HTTP status a gRPC code maps to has a reason phrase", arguments: GRPCStatusCode.allCases)
    func mappedStatusesHavePhrases(code: GRPCStatusCode) {
        #expect(!HTTPReasonPhrase.phrase(for: StatusMapping.httpStatus(for: code)).isEmpty)
    }
}
