internal import Routing
internal import Testing

/// The two decoding rules of protocols.md B5, the query `+` rule, and refusing bad escapes.
@Suite("Percent-decoding")
struct PercentDecodingTests {
    @Test(
        "Every escape is decoded in .all mode",
        arguments: [
            ("plain", "plain"),
            ("a%20b", "a b"),
            ("a%2Fb", "a/b"),
            ("a%2fb", "a/b"),
            ("%41%42%43", "ABC"),
            ("%e2%82%ac", "€"),
            ("100%25", "100%"),
            ("a+b", "a+b"),
            ("", ""),
        ]
    )
    func all(encoded: String, decoded: String) throws {
        #expect(try PercentDecoding.decode(encoded, mode: .all) == decoded)
    }

    @Test(
        "Every escape but %2F and %2f is decoded in .allExceptSlash mode",
        arguments: [
            ("a%2Fb", "a%2Fb"),
            ("a%2fb", "a%2fb"),
            ("a%20b/c", "a b/c"),
            ("%252F", "%2F"),
            ("x%3Ay%2F%2f", "x:y%2F%2f"),
        ]
    )
    func allExceptSlash(encoded: String, decoded: String) throws {
        #expect(try PercentDecoding.decode(encoded, mode: .allExceptSlash) == decoded)
    }

    @Test("'+' is a space only when asked (query strings)")
    func plus() throws {
        #expect(try PercentDecoding.decode("a+b%2B", mode: .all, plusIsSpace: true) == "a b+")
        #expect(try PercentDecoding.decode("a+b%2B", mode: .all, plusIsSpace: false) == "a+b+")
    }

    @Test(
        "A '%' without two hex digits is refused with its offset",
        arguments: [("%zz", 0), ("ab%", 2), ("ab%4", 2), ("a%4g", 1), ("%%41", 0), ("ok%2Fthen%x1", 9)]
    )
    func badEscape(encoded: String, offset: Int) {
        for mode in [PercentDecoding.Mode.all, .allExceptSlash] {
            #expect {
                try PercentDecoding.decode(encoded, mode: mode)
            } throws: { error in
                let error = error as? RoutingError
                return error?.code == .invalidPercentEncoding && error?.offset == offset
                    && error?.message == "'%' not followed by two hex digits at offset \(offset)"
            }
        }
    }

    @Test("Escapes that decode to invalid UTF-8 are refused", arguments: ["%FF", "%C3", "a%e2%82"])
    func invalidUTF8(encoded: String) {
        #expect {
            try PercentDecoding.decode(encoded, mode: .all)
        } throws: { error in
            (error as? RoutingError)?.code == .invalidPercentEncoding
        }
    }
}
