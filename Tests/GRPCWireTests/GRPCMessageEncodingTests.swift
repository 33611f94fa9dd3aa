import GRPCWire
import Testing

@Suite("GRPCMessageEncoding")
struct GRPCMessageEncodingTests {
    /// (plain, encoded) pairs worked out by hand from the PROTOCOL-HTTP2.md rule.
    static let pairs: [(String, String)] = [
        ("", ""),
        ("hello world", "hello world"),
        ("100%", "100%25"),
        ("%%", "%25%25"),
        ("line1\r\nline2", "line1%0D%0Aline2"),
        ("tab\there", "tab%09here"),
        ("caf\u{E9}", "caf%C3%A9"),
        ("\u{65E5}\u{672C}", "%E6%97%A5%E6%9C%AC"),
        ("\u{1F600}", "%F0%9F%98%80"),
        ("~ !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}", "~ !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}"),
        ("\u{7F}\u{0}", "%7F%00"),
    ]

    @Test("Encoding leaves 0x20-0x24 and 0x26-0x7E alone and writes %XX for the rest", arguments: pairs)
    func encode(plain: String, encoded: String) {
        #expect(GRPCMessageEncoding.encode(plain) == encoded)
    }

    @Test("Decoding reverses the encoding", arguments: pairs)
    func decode(plain: String, encoded: String) {
        #expect(GRPCMessageEncoding.decode(encoded) == plain)
    }

    @Test(
        "Invalid escapes are kept as raw text and lower-case hex is accepted",
        arguments: [
            ("%", "%"),
            ("100%", "100%"),
            ("%2", "%2"),
            ("a%2", "a%2"),
            ("%zz", "%zz"),
            ("%G0", "%G0"),
            ("%%41", "%A"),
            ("%c3%a9", "\u{E9}"),
            ("50% off%20now", "50% off now"),
        ]
    )
    func decodeLeniently(encoded: String, plain: String) {
        #expect(GRPCMessageEncoding.decode(encoded) == plain)
    }

    @Test(
        "Decoded bytes that are not UTF-8 become replacement characters",
        arguments: [("%FF", "\u{FFFD}"), ("a%C3", "a\u{FFFD}"), ("%C3%28", "\u{FFFD}(")]
    )
    func decodeRepairsUTF8(encoded: String, plain: String) {
        #expect(GRPCMessageEncoding.decode(encoded) == plain)
    }

    @Test("Every encoded byte is in the unencoded range")
    func encodedOutputIsSafe() {
        let all = String(decoding: (0...0x7F).map { UInt8($0) }, as: UTF8.self) + "\u{FFFD}\u{10FFFF}"
        let encoded = GRPCMessageEncoding.encode(all)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(GRPCMessageEncoding.decode(encoded) == all)
    }
}
