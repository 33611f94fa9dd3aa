internal import Testing

@testable internal import ProtoJSON

/// The resumable syntax check fed byte by byte and in random pieces agrees with the pull scanner
/// reading the whole text, on every corpus text and thousands of mutations of them.
@Suite("ResumableJSONScanner")
struct ResumableJSONScannerTests {
    /// The pull scanner's verdict on a whole text: one value, then only whitespace.
    static func wholeTextVerdict(_ text: [UInt8]) -> Bool {
        text.withUnsafeBytes { buffer in
            var scanner = JSONScanner(buffer)
            do {
                try scanner.skipValue(depth: 100)
                return scanner.isAtEnd()
            } catch {
                return false
            }
        }
    }

    /// The resumable scanner's verdict on a text cut into pieces of the given lengths (cycled).
    static func piecewiseVerdict(_ text: [UInt8], pieceLengths: [Int]) -> Bool {
        var scanner = ResumableJSONScanner(maxDepth: 100)
        var start = 0
        var turn = 0
        while start < text.count {
            let end = min(text.count, start + pieceLengths[turn % pieceLengths.count])
            let accepted = Array(text[start..<end]).withUnsafeBytes { piece in
                (try? scanner.feed(piece)) != nil
            }
            guard accepted else {
                return false
            }
            start = end
            turn += 1
        }
        return (try? scanner.finish()) != nil
    }

    /// Every corpus JSON text and input, valid or not.
    static let texts: [[UInt8]] = {
        var texts = Corpus.validInputs.map { Array($0.input.utf8) } + Corpus.invalidInputs.map { Array($0.input.utf8) }
        for testCase in Corpus.encodeCases.prefix(200) {
            for (_, expected) in testCase.expected {
                if let json = expected.json {
                    texts.append(Array(json.utf8))
                }
            }
        }
        texts += [
            "", " ", "0", "-0", "-", "01", "1.", "1.e5", "1e", "1e+", "1E-2", "-0.0e0", "tru", "true ", "nul", "[1,]",
            "{\"a\":1,}", "{\"a\" 1}", "[[]]", "\"\\ud83d\\ude00\"", "\"\\ude00\"", "\"\\ud83d\"", "\"\\ud83dx\"",
            "\"\\u12\"", "\"\u{7F}\"", "{\"k\":\"v\"}x", "[1 2]", "{}{}", "\"a\\/b\"", "\"\\q\"",
        ].map { Array($0.utf8) }
        texts.append(Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8))
        texts.append(Array((String(repeating: "[", count: 101) + String(repeating: "]", count: 101)).utf8))
        texts.append(Array((String(repeating: "[", count: 100) + "1" + String(repeating: "]", count: 100)).utf8))
        texts.append([0x22, 0xC3, 0x22])  // a lead byte with no continuation
        texts.append([0x22, 0xED, 0xA0, 0x80, 0x22])  // a UTF-8 encoded surrogate
        texts.append([0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22])  // U+1F600
        return texts
    }()

    @Test("fed byte by byte, it agrees with the whole-text scanner on every corpus text")
    func byteByByte() {
        var disagreements: [String] = []
        for text in Self.texts where Self.piecewiseVerdict(text, pieceLengths: [1]) != Self.wholeTextVerdict(text) {
            disagreements.append(String(decoding: text.prefix(80), as: UTF8.self))
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagree; first: \(disagreements.prefix(5))")
    }

    @Test("on seeded mutations split at random points, it agrees with the whole-text scanner")
    func mutations() {
        var generator = SplitMix64(seed: 2026)
        let alphabet =
            Array("{}[]:,\"\\/-+.eE0123456789 \nutrfalsbn".utf8) + [
                0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0xF0, 0x9F,
            ]
        var disagreements: [String] = []
        var checked = 0
        for text in Self.texts where !text.isEmpty {
            for _ in 0..<6 {
                var mutated = text
                for _ in 0...(generator.next() % 3) {
                    let position = Int(generator.next() % UInt64(mutated.count))
                    switch generator.next() % 3 {
                    case 0: mutated[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                    case 1: mutated.remove(at: position)
                    default: mutated.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                    }
                    if mutated.isEmpty {
                        break
                    }
                }
                let pieces = (0..<4).map { _ in Int(generator.next() % 9) + 1 }
                checked += 1
                if Self.piecewiseVerdict(mutated, pieceLengths: pieces) != Self.wholeTextVerdict(mutated) {
                    disagreements.append(String(decoding: mutated.prefix(80), as: UTF8.self))
                }
            }
        }
        #expect(checked > 1000)
        #expect(
            disagreements.isEmpty,
            "\(disagreements.count) of \(checked) disagree; first: \(disagreements.prefix(5))"
        )
    }

    @Test("a malformed body is refused at its first bad byte, before the rest arrives")
    func failsFast() throws {
        var incremental = ProtoJSONDecoder(pool: Corpus.pool).incremental(
            messageIndex: Corpus.index("testing.v1.json.Order")
        )
        try incremental.feed(Array(#"{"id": "a","#.utf8))
        #expect(!incremental.isComplete)
        #expect(throws: ProtoJSONError.self) {
            try incremental.feed(Array(#"]"#.utf8))
        }
        var complete = ProtoJSONDecoder(pool: Corpus.pool).incremental(
            messageIndex: Corpus.index("testing.v1.json.Order")
        )
        for byte in #"{"id":"a"}"#.utf8 {
            #expect(!complete.isComplete)
            try complete.feed([byte])
        }
        #expect(complete.isComplete)
        var wire: [UInt8] = []
        try complete.finish(into: &wire)
        #expect(wire == [0x0A, 0x01, UInt8(ascii: "a")])
    }
}
