internal import ProtoJSON
internal import Schema
internal import Testing

/// JSON → wire against the reference: lenient inputs give the reference's message, inputs the
/// reference rejects are rejected, and every corpus JSON text decodes back to its message.
@Suite("ProtoJSONDecoder")
struct ProtoJSONDecoderTests {
    /// Strict like the reference's default, except where a case is about ignoring unknown names.
    static func decoder(ignoreUnknownFields: Bool) -> ProtoJSONDecoder {
        ProtoJSONDecoder(pool: Corpus.pool, options: ProtoJSONOptions(ignoreUnknownFields: ignoreUnknownFields))
    }

    @Test("lenient inputs decode to the reference's message", arguments: Corpus.validInputs)
    func validInput(_ testCase: Corpus.ValidInput) throws {
        let decoder = Self.decoder(ignoreUnknownFields: testCase.name.hasPrefix("unknown_"))
        let encoder = ProtoJSONEncoder(pool: Corpus.pool)
        let index = Corpus.index(testCase.type)
        let wire = try decoder.decode(messageIndex: index, json: Array(testCase.input.utf8))
        let json = String(decoding: try encoder.encode(messageIndex: index, wireBytes: wire), as: UTF8.self)
        #expect(json == testCase.json)
        // And the reference's own bytes print the same.
        let reference = String(
            decoding: try encoder.encode(messageIndex: index, wireBytes: testCase.wire),
            as: UTF8.self
        )
        #expect(reference == testCase.json)
    }

    @Test("inputs the reference rejects are rejected with a reason", arguments: Corpus.invalidInputs)
    func invalidInput(_ testCase: Corpus.InvalidInput) throws {
        let decoder = Self.decoder(ignoreUnknownFields: testCase.ignoreUnknownFields)
        let index = Corpus.index(testCase.type)
        do {
            let wire = try decoder.decode(messageIndex: index, json: Array(testCase.input.utf8))
            Issue.record("accepted (\(wire.count) wire bytes); the reference said: \(testCase.reason)")
        } catch {
            #expect(!error.reason.isEmpty)
        }
    }

    @Test("every corpus JSON text, under every option set, decodes back to the same message")
    func roundTrip() throws {
        let decoder = Self.decoder(ignoreUnknownFields: false)
        let encoder = ProtoJSONEncoder(pool: Corpus.pool)
        var checked = 0
        var failures: [String] = []
        for testCase in Corpus.encodeCases {
            guard let canonical = testCase.expected["default"]?.json else {
                continue
            }
            let index = Corpus.index(testCase.type)
            for (set, expected) in testCase.expected.sorted(by: { $0.key < $1.key }) {
                guard let json = expected.json else {
                    continue
                }
                checked += 1
                do {
                    let wire = try decoder.decode(messageIndex: index, json: Array(json.utf8))
                    let again = String(
                        decoding: try encoder.encode(messageIndex: index, wireBytes: wire),
                        as: UTF8.self
                    )
                    if again != canonical {
                        failures.append("\(testCase.name)/\(set): got\n\(again)\nwant\n\(canonical)")
                    }
                } catch {
                    failures.append("\(testCase.name)/\(set): \(error)")
                }
            }
        }
        #expect(checked > 1000)
        #expect(
            failures.isEmpty,
            "\(failures.count) of \(checked) differ; first: \(failures.prefix(3).joined(separator: "\n---\n"))"
        )
    }

    @Test("pieces fed byte by byte and at random split points give the same bytes")
    func dripFeed() throws {
        let decoder = Self.decoder(ignoreUnknownFields: true)
        var generator = SplitMix64(seed: 42)
        for testCase in Corpus.validInputs {
            let index = Corpus.index(testCase.type)
            let json = Array(testCase.input.utf8)
            let whole = try decoder.decode(messageIndex: index, json: json)
            var byteByByte = decoder.incremental(messageIndex: index)
            for byte in json {
                try byteByByte.feed([byte])
            }
            var dripped: [UInt8] = []
            try byteByByte.finish(into: &dripped)
            #expect(dripped == whole, "\(testCase.name)")
            for _ in 0..<5 {
                var pieces = decoder.incremental(messageIndex: index)
                var start = 0
                while start < json.count {
                    let length = Int(generator.next() % 7) + 1
                    let end = min(json.count, start + length)
                    try pieces.feed(Array(json[start..<end]))
                    start = end
                }
                var split: [UInt8] = []
                try pieces.finish(into: &split)
                #expect(split == whole, "\(testCase.name)")
            }
        }
    }

    @Test(
        "error messages name the field path and the problem",
        arguments: [
            (
                "testing.v1.json.Order", #"{"items":[{"quantity":"abc"}]}"#,
                #"items[0].quantity: expected an integer, got "abc""#
            ),
            (
                "testing.v1.json.Order", #"{"items":[{}, {"quantity":1.5}]}"#,
                "items[1].quantity: expected an integer, got 1.5"
            ),
            ("testing.v1.json.Order", #"{"labels":{"k":7}}"#, "labels[k]: expected a string, got 7"),
            (
                "testing.v1.json.Order", #"{"color":"MAUVE"}"#,
                #"color: invalid enum value "MAUVE" for enum type testing.v1.json.Color"#
            ),
            (
                "testing.v1.json.TestAllTypes", #"{"optionalInt32":2147483648}"#,
                "optionalInt32: value 2147483648 out of range for int32"
            ),
            (
                "testing.v1.json.TestAllTypes", #"{"oneofUint32":1,"oneofString":"x"}"#,
                "oneofString: a second member of the same oneof is set"
            ),
            (
                "testing.v1.json.TestAllTypes", #"{"optionalString":"\ud800"}"#,
                #"optionalString: lone surrogate \ud800 in a string"#
            ),
            ("testing.v1.json.TestAllTypes", #"{"zzz":1}"#, "zzz: unknown field of testing.v1.json.TestAllTypes"),
            ("testing.v1.json.Order", "null", "expected an object for testing.v1.json.Order, got null"),
            ("testing.v1.json.Order", "nope", "expected an object, got nope"),
            (
                "testing.v1.json.TestAllTypes", #"{"optionalInt32":1} x"#,
                "invalid JSON at byte 20: unexpected text after the JSON value"
            ),
        ]
    )
    func errorMessages(type: String, json: String, message: String) throws {
        let decoder = Self.decoder(ignoreUnknownFields: false)
        do {
            _ = try decoder.decode(messageIndex: Corpus.index(type), json: Array(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("unknown fields are skipped by default, as the gateway's peers do")
    func unknownFieldsIgnoredByDefault() throws {
        let decoder = ProtoJSONDecoder(pool: Corpus.pool)
        let wire = try decoder.decode(
            messageIndex: Corpus.index("testing.v1.json.Order"),
            json: Array(#"{"extra":{"deep":[1,{"x":null}]},"id":"a"}"#.utf8)
        )
        #expect(wire == [0x0A, 0x01, UInt8(ascii: "a")])
    }
}

/// A small seeded generator (SplitMix64) so random splits are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
