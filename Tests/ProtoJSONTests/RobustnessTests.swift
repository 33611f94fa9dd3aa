internal import ProtoJSON
internal import Schema
internal import Testing

/// Corrupt input must give an error or a result, never a trap: truncated and bit-flipped corpus
/// wire bytes through the encoder, truncated and byte-mutated JSON through the decoder (seeded, so
/// a failure replays).
@Suite("Robustness")
struct RobustnessTests {
    @Test("mutated wire bytes never trap the encoder")
    func mutatedWire() {
        let encoder = ProtoJSONEncoder(
            pool: Corpus.pool,
            options: ProtoJSONOptions(alwaysPrintFieldsWithNoPresence: true)
        )
        var generator = SplitMix64(seed: 7)
        var outcomes = (accepted: 0, rejected: 0)
        for testCase in Corpus.encodeCases.prefix(400) where !testCase.wire.isEmpty {
            let index = Corpus.index(testCase.type)
            for round in 0..<8 {
                var wire = testCase.wire
                if round == 0 {
                    wire.removeLast(Int(generator.next() % UInt64(wire.count)) + 1)
                } else {
                    for _ in 0...(generator.next() % 3) {
                        let position = Int(generator.next() % UInt64(wire.count))
                        wire[position] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                    }
                }
                if (try? encoder.encode(messageIndex: index, wireBytes: wire)) != nil {
                    outcomes.accepted += 1
                } else {
                    outcomes.rejected += 1
                }
            }
        }
        #expect(outcomes.rejected > 0 && outcomes.accepted > 0)
    }

    @Test("mutated JSON never traps the decoder")
    func mutatedJSON() {
        let decoder = ProtoJSONDecoder(pool: Corpus.pool)
        var generator = SplitMix64(seed: 11)
        let alphabet = Array("{}[]:,\"\\-+.eE0123456789 nultrfasNIy\u{00}é".utf8)
        var texts: [(String, [UInt8])] = Corpus.validInputs.map { ($0.type, Array($0.input.utf8)) }
        for testCase in Corpus.encodeCases.prefix(300) {
            if let json = testCase.expected["default"]?.json {
                texts.append((testCase.type, Array(json.utf8)))
            }
        }
        var outcomes = (accepted: 0, rejected: 0)
        for (type, text) in texts where !text.isEmpty {
            let index = Corpus.index(type)
            for round in 0..<8 {
                var json = text
                if round == 0 {
                    json.removeLast(Int(generator.next() % UInt64(json.count)) + 1)
                } else {
                    for _ in 0...(generator.next() % 3) {
                        let position = Int(generator.next() % UInt64(json.count))
                        json[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                    }
                }
                if (try? decoder.decode(messageIndex: index, json: json)) != nil {
                    outcomes.accepted += 1
                } else {
                    outcomes.rejected += 1
                }
            }
        }
        #expect(outcomes.rejected > 0 && outcomes.accepted > 0)
    }

    @Test("deep nesting past the limit is an error in both directions, not a stack overflow")
    func depth() throws {
        let type = Corpus.index("testing.v1.json.TestAllTypes")
        let deep = String(repeating: #"{"recursive":"#, count: 5000) + "{}" + String(repeating: "}", count: 5000)
        #expect(throws: ProtoJSONError.self) {
            _ = try ProtoJSONDecoder(pool: Corpus.pool).decode(messageIndex: type, json: Array(deep.utf8))
        }
        let value = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect(throws: ProtoJSONError.self) {
            _ = try ProtoJSONDecoder(pool: Corpus.pool).decode(
                messageIndex: Corpus.index("google.protobuf.Value"),
                json: Array(value.utf8)
            )
        }
        let unknown = #"{"zzz":"# + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}"
        #expect(throws: ProtoJSONError.self) {
            _ = try ProtoJSONDecoder(pool: Corpus.pool).decode(messageIndex: type, json: Array(unknown.utf8))
        }
        // 5,000 nested `recursive` messages on the wire (field 500, wire type 2).
        var wire: [UInt8] = []
        for _ in 0..<5000 {
            var length: [UInt8] = []
            var size = UInt64(wire.count)
            while size >= 0x80 {
                length.append(UInt8(truncatingIfNeeded: size) | 0x80)
                size >>= 7
            }
            length.append(UInt8(size))
            wire = [0xA2, 0x1F] + length + wire
        }
        #expect(throws: ProtoJSONError.self) {
            _ = try ProtoJSONEncoder(pool: Corpus.pool).encode(messageIndex: type, wireBytes: wire)
        }
    }
}
