import GRPCWire
import Testing

@Suite("MessageDeframer")
struct MessageDeframerTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 0xDEAD_BEEF, 20_260_101]

    var expected: [MessageDeframer.Frame] {
        SampleStream().frames.map { MessageDeframer.Frame(flags: $0.flags, payload: $0.payload) }
    }

    /// Appends `stream` in the given pieces, taking every available frame after each piece.
    func deframe(pieces: [Range<Int>]) throws -> [MessageDeframer.Frame] {
        let bytes = SampleStream().bytes
        var deframer = MessageDeframer(maxMessageLength: 100_000)
        var frames: [MessageDeframer.Frame] = []
        for piece in pieces {
            bytes[piece].withUnsafeBytes { deframer.append($0) }
            while let frame = try deframer.next() {
                frames.append(frame)
            }
        }
        #expect(deframer.bufferedByteCount == 0)
        try deframer.finish()
        return frames
    }

    @Test("Whole input yields every frame with its flags and payload")
    func wholeInput() throws {
        var deframer = MessageDeframer(maxMessageLength: 100_000)
        deframer.append(SampleStream().bytes)
        var frames: [MessageDeframer.Frame] = []
        while let frame = try deframer.next() {
            frames.append(frame)
        }
        #expect(frames == expected)
        #expect(frames.map(\.isTrailer) == [false, false, false, false, false, false, true])
        try deframer.finish()
    }

    @Test("Byte-by-byte input yields the same frames")
    func byteByByte() throws {
        #expect(try deframe(pieces: Splits.fixed(1, total: SampleStream().bytes.count)) == expected)
    }

    @Test("Fixed-size pieces yield the same frames", arguments: 2...7)
    func fixedPieces(size: Int) throws {
        #expect(try deframe(pieces: Splits.fixed(size, total: SampleStream().bytes.count)) == expected)
    }

    @Test("Random splits yield the same frames", arguments: seeds)
    func randomSplits(seed: UInt64) throws {
        let total = SampleStream().bytes.count
        #expect(try deframe(pieces: Splits.random(seed: seed, total: total)) == expected)
        #expect(try deframe(pieces: Splits.random(seed: seed, total: total, maxPiece: 40_000)) == expected)
    }

    @Test("Frames left untaken are not a truncation")
    func untakenFramesAreComplete() throws {
        var deframer = MessageDeframer(maxMessageLength: 16)
        deframer.append(handFrame(flags: 0, payload: [1, 2]) + handFrame(flags: 0x80, payload: []))
        try deframer.finish()
        #expect(try deframer.next() == MessageDeframer.Frame(flags: 0, payload: [1, 2]))
    }

    @Test("An incomplete frame yields nil until its last byte arrives")
    func incompleteFrame() throws {
        var deframer = MessageDeframer(maxMessageLength: 16)
        let bytes = handFrame(flags: 0x01, payload: [7, 8, 9])
        for byte in bytes.dropLast() {
            deframer.append([byte])
            #expect(try deframer.next() == nil)
        }
        deframer.append([bytes.last!])
        #expect(try deframer.next() == MessageDeframer.Frame(flags: 0x01, payload: [7, 8, 9]))
        #expect(try deframer.next() == nil)
    }

    @Test("A stream cut inside the prefix fails finish")
    func truncatedPrefix() {
        var deframer = MessageDeframer(maxMessageLength: 16)
        deframer.append([0x00, 0x00, 0x00])
        #expect(throws: FrameScanner.Failure.truncated(missingBytes: 2, insidePrefix: true)) {
            try deframer.finish()
        }
    }

    @Test("A stream cut inside the payload fails finish, after complete frames")
    func truncatedPayload() throws {
        var deframer = MessageDeframer(maxMessageLength: 16)
        deframer.append(
            handFrame(flags: 0, payload: [1]) + Array(handFrame(flags: 0, payload: [1, 2, 3, 4]).prefix(7))
        )
        #expect(try deframer.next() == MessageDeframer.Frame(flags: 0, payload: [1]))
        #expect(try deframer.next() == nil)
        #expect(throws: FrameScanner.Failure.truncated(missingBytes: 2, insidePrefix: false)) {
            try deframer.finish()
        }
    }

    @Test("A length over the limit throws once the prefix is complete, before the payload arrives")
    func tooLarge() throws {
        var deframer = MessageDeframer(maxMessageLength: 16)
        deframer.append([0x00, 0x00, 0x00, 0x00])
        #expect(try deframer.next() == nil)
        deframer.append([17])
        #expect(throws: FrameScanner.Failure.messageTooLarge(length: 17, limit: 16)) {
            try deframer.next()
        }
        #expect(throws: FrameScanner.Failure.messageTooLarge(length: 17, limit: 16)) {
            try deframer.next()
        }
    }
}
