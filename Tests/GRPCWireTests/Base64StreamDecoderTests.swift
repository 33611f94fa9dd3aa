import Foundation
import GRPCWire
import Testing

@Suite("Base64StreamDecoder")
struct Base64StreamDecoderTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 0xDEAD_BEEF]

    /// A body as a text-mode server would flush it: separately padded chunks of 1, 2, 3, 0 mod 3
    /// bytes back to back, so padding appears mid-stream. Encoded with Foundation as a reference.
    static let chunks: [[UInt8]] = [[0x00], [0xFF, 0xEE], Array("foo".utf8), (0..<200).map { UInt8($0) }, [0x7F]]
    static var body: [UInt8] { Array(chunks.map { Data($0).base64EncodedString() }.joined().utf8) }
    static var plain: [UInt8] { chunks.flatMap { $0 } }

    /// Decodes `input` fed in the given pieces and checks the stream finishes cleanly.
    func decode(_ input: [UInt8], pieces: [Range<Int>]) throws -> [UInt8] {
        var decoder = Base64StreamDecoder()
        var output: [UInt8] = []
        for piece in pieces {
            try input[piece].withUnsafeBytes { try decoder.decode($0, into: &output) }
        }
        try decoder.finish()
        return output
    }

    func decodeWhole(_ text: String) throws -> [UInt8] {
        let bytes = Array(text.utf8)
        return try decode(bytes, pieces: [0..<bytes.count])
    }

    /// Expects decoding `text` (whole, then byte by byte) to fail at `offset`.
    func expectFailure(_ text: String, at offset: Int) {
        let bytes = Array(text.utf8)
        for pieces in [[0..<bytes.count], Splits.fixed(1, total: bytes.count)] {
            do {
                _ = try decode(bytes, pieces: pieces)
                Issue.record("\(text) decoded without error")
            } catch let failure as Base64StreamDecoder.Failure {
                #expect(failure.offset == offset, "\(text)")
                #expect(!failure.reason.isEmpty)
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test("RFC 4648 test vectors decode", arguments: Base64Tests.rfcVectors)
    func rfcVector(plain: String, encoded: String) throws {
        #expect(try decodeWhole(encoded) == Array(plain.utf8))
    }

    @Test("Separately padded chunks decode as one body, whole input")
    func midStreamPaddingWhole() throws {
        #expect(try decode(Self.body, pieces: [0..<Self.body.count]) == Self.plain)
        #expect(try decodeWhole("AAA=AAAA") == [0, 0, 0, 0, 0])
        #expect(try decodeWhole("Zg==Zm8=Zm9v") == Array("ffofoo".utf8))
    }

    @Test("Every piece size from 1 to 7 gives the same bytes", arguments: 1...7)
    func fixedPieces(size: Int) throws {
        #expect(try decode(Self.body, pieces: Splits.fixed(size, total: Self.body.count)) == Self.plain)
    }

    @Test("Random splits give the same bytes", arguments: seeds)
    func randomSplits(seed: UInt64) throws {
        #expect(try decode(Self.body, pieces: Splits.random(seed: seed, total: Self.body.count)) == Self.plain)
    }

    @Test("URL-safe characters are accepted as their standard equivalents")
    func urlSafe() throws {
        #expect(try decodeWhole("-_-_") == decodeWhole("+/+/"))
        #expect(try decodeWhole("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test("CR and LF are skipped anywhere, even inside padding")
    func lineBreaksSkipped() throws {
        #expect(try decodeWhole("Zm9v\r\nYmFy\r\n") == Array("foobar".utf8))
        #expect(try decodeWhole("Zg=\n=") == Array("f".utf8))
    }

    @Test(
        "A character outside the alphabet fails at its offset",
        arguments: [("Zm9v*mFy", 4), ("*", 0), ("Zm9vYmF y", 7), ("Zm9v\tYmFy", 4), ("Zm9v.", 4), ("Zm\u{E9}", 2)]
    )
    func invalidCharacter(text: String, offset: Int) {
        expectFailure(text, at: offset)
    }

    @Test("The offset counts bytes from earlier calls")
    func offsetAcrossCalls() throws {
        var decoder = Base64StreamDecoder()
        var output: [UInt8] = []
        try Array("Zm9v".utf8).withUnsafeBytes { try decoder.decode($0, into: &output) }
        #expect(throws: Base64StreamDecoder.Failure.self) {
            try Array("Ym*y".utf8).withUnsafeBytes { try decoder.decode($0, into: &output) }
        }
        var second = Base64StreamDecoder()
        do {
            try Array("Zm9v".utf8).withUnsafeBytes { try second.decode($0, into: &output) }
            try Array("Ym*y".utf8).withUnsafeBytes { try second.decode($0, into: &output) }
            Issue.record("no error")
        } catch let failure as Base64StreamDecoder.Failure {
            #expect(failure.offset == 6)
        }
    }

    @Test(
        "Padding in the wrong place fails at its offset",
        arguments: [
            ("=AAA", 0), ("A=AA", 1), ("AA=A", 3), ("AAA==", 4), ("Zm9v=", 4), ("Zm9vY===", 5), ("AA==A===", 5),
        ]
    )
    func badPadding(text: String, offset: Int) {
        expectFailure(text, at: offset)
    }

    @Test("A stream ending inside a quantum fails finish", arguments: ["Zm9vYg", "Z", "Zm9", "Zg=", "Zm9vYmE"])
    func truncated(text: String) throws {
        var decoder = Base64StreamDecoder()
        var output: [UInt8] = []
        try Array(text.utf8).withUnsafeBytes { try decoder.decode($0, into: &output) }
        #expect(
            throws: Base64StreamDecoder.Failure(
                offset: text.utf8.count,
                reason: "stream ended inside a 4-character quantum"
            )
        ) {
            try decoder.finish()
        }
    }

    @Test("An empty stream finishes cleanly and decodes to nothing")
    func empty() throws {
        #expect(try decodeWhole("") == [])
    }
}
