internal import ProtoJSON
internal import Schema
internal import Testing

/// Wire → JSON against the reference: every corpus case under every option set it has, text equal.
@Suite("ProtoJSONEncoder")
struct ProtoJSONEncoderTests {
    @Test(
        "matches the reference byte for byte",
        arguments: ["default", "alwaysPrint", "protoNames", "enumInts", "indent2", "all"]
    )
    func corpus(optionSet: String) throws {
        let encoder = ProtoJSONEncoder(pool: Corpus.pool, options: Corpus.optionSets[optionSet]!)
        var checked = 0
        var failures: [String] = []
        for testCase in Corpus.encodeCases {
            guard let expected = testCase.expected[optionSet] else {
                continue
            }
            checked += 1
            let index = Corpus.index(testCase.type)
            do {
                let output = try encoder.encode(messageIndex: index, wireBytes: testCase.wire)
                let text = String(decoding: output, as: UTF8.self)
                if let json = expected.json {
                    if text != json {
                        failures.append("\(testCase.name): got\n\(text)\nwant\n\(json)")
                    }
                } else {
                    failures.append("\(testCase.name): accepted, reference refused (\(expected.error ?? ""))")
                }
            } catch {
                if expected.json != nil {
                    failures.append("\(testCase.name): \(error)")
                }
            }
        }
        #expect(checked > 0)
        #expect(
            failures.isEmpty,
            "\(failures.count) of \(checked) differ; first: \(failures.prefix(3).joined(separator: "\n---\n"))"
        )
    }

    @Test("names the field path of a value JSON cannot express")
    func errorPath() throws {
        let encoder = ProtoJSONEncoder(pool: Corpus.pool)
        // repeated_timestamp (312) [1] with seconds out of range.
        let wire: [UInt8] = [
            0xC2, 0x13, 0x00, 0xC2, 0x13, 0x0A, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,
        ]
        #expect {
            _ = try encoder.encode(messageIndex: Corpus.index("testing.v1.json.TestAllTypes"), wireBytes: wire)
        } throws: { error in
            (error as? ProtoJSONError)?.fieldPath == "repeatedTimestamp[1]"
        }
    }

    @Test("rejects truncated wire bytes")
    func truncated() throws {
        let encoder = ProtoJSONEncoder(pool: Corpus.pool)
        #expect(throws: ProtoJSONError.self) {
            _ = try encoder.encode(
                messageIndex: Corpus.index("testing.v1.json.TestAllTypes"),
                wireBytes: [0x72, 0x05, 0x61]
            )
        }
    }
}
