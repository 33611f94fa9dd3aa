import GRPCWire
import Testing

@testable import Gateway

@Suite("ErrorBody")
struct ErrorBodyTests {
    @Test("A status becomes google.rpc.Status JSON with an empty details list")
    func shape() {
        #expect(ErrorBody.json(for: GRPCStatus(.notFound, "no route for GET /x")) == #"{"code":5,"message":"no route for GET /x","details":[]}"#)
    }

    @Test(
        "Messages are escaped as JSON strings",
        arguments: [
            ("say \"hi\"", #""say \"hi\"""#),
            ("back\\slash", #""back\\slash""#),
            ("line\nbreak\ttab\r", #""line\nbreak\ttab\r""#),
            ("bell\u{07}", #""bell\u0007""#),
            ("ünïcode ✓", "\"ünïcode ✓\""),
        ])
    func escaping(message: String, expected: String) {
        var text = ""
        ErrorBody.appendJSONString(message, to: &text)
        #expect(text == expected)
    }
}
