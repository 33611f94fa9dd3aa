import GRPCWire
import Testing

/// Builds one frame by hand (independently of `MessageFramer`): flags, big-endian length, payload.
func handFrame(flags: UInt8, payload: [UInt8]) -> [UInt8] {
    let n = payload.count
    return [flags, UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + payload
}

/// A stream of frames chosen to put boundaries in awkward places: empty frames back to back, a
/// one-byte payload, a payload longer than any piece, a trailer frame last.
struct SampleStream {
    var frames: [(flags: UInt8, payload: [UInt8])] = [
        (0x00, []),
        (0x00, [0x42]),
        (0x01, [1, 2, 3, 4, 5]),
        (0x00, []),
        (0x00, (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }),
        (0x00, (0..<70_000).map { UInt8(truncatingIfNeeded: $0) }),
        (0x80, Array("grpc-status:0\r\n".utf8)),
    ]

    var bytes: [UInt8] { frames.flatMap { handFrame(flags: $0.flags, payload: $0.payload) } }

    /// Offsets at which each frame ends, from the construction above.
    var frameEnds: [Int] {
        var end = 0
        return frames.map { frame in
            end += 5 + frame.payload.count
            return end
        }
    }
}

extension FrameScanner {
    /// Test convenience: scans part of an array.
    mutating func scan(_ bytes: ArraySlice<UInt8>, allowTrailerFrame: Bool = false) throws(Failure) -> Int {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(Failure) -> Int in try self.scan(buffer, allowTrailerFrame: allowTrailerFrame) }
        }
        return try result.get()
    }
}

@Suite("FrameScanner")
struct FrameScannerTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 0xDEAD_BEEF, 20_260_101]

    /// Feeds `stream` in the given pieces and checks, after every piece, the reported boundary,
    /// the frame count and `isAtFrameBoundary` against the offsets known from construction.
    func check(pieces: [Range<Int>], of stream: SampleStream) throws {
        let bytes = stream.bytes
        let ends = stream.frameEnds
        var scanner = FrameScanner(maxMessageLength: 100_000)
        for piece in pieces {
            let returned = try scanner.scan(bytes[piece], allowTrailerFrame: true)
            let lastEndInPiece = ends.last { $0 > piece.lowerBound && $0 <= piece.upperBound }
            #expect(returned == (lastEndInPiece.map { $0 - piece.lowerBound } ?? 0), "piece \(piece)")
            #expect(scanner.completedFrames == ends.filter { $0 <= piece.upperBound }.count)
            #expect(scanner.isAtFrameBoundary == (piece.upperBound == 0 || ends.contains(piece.upperBound)))
        }
        #expect(scanner.completedFrames == stream.frames.count)
        try scanner.finish()
    }

    @Test("Whole input reports every frame and ends on a boundary")
    func wholeInput() throws {
        let stream = SampleStream()
        var scanner = FrameScanner(maxMessageLength: 100_000)
        #expect(scanner.isAtFrameBoundary)
        let returned = try scanner.scan(stream.bytes[...], allowTrailerFrame: true)
        #expect(returned == stream.bytes.count)
        #expect(scanner.completedFrames == 7)
        try check(pieces: [0..<stream.bytes.count], of: stream)
    }

    @Test("Byte-by-byte input gives the same boundaries as whole input")
    func byteByByte() throws {
        let stream = SampleStream()
        try check(pieces: Splits.fixed(1, total: stream.bytes.count), of: stream)
    }

    @Test("Fixed-size pieces give the same boundaries", arguments: 2...7)
    func fixedPieces(size: Int) throws {
        let stream = SampleStream()
        try check(pieces: Splits.fixed(size, total: stream.bytes.count), of: stream)
    }

    @Test("Random splits give the same boundaries", arguments: seeds)
    func randomSplits(seed: UInt64) throws {
        let stream = SampleStream()
        try check(pieces: Splits.random(seed: seed, total: stream.bytes.count), of: stream)
        try check(pieces: Splits.random(seed: seed, total: stream.bytes.count, maxPiece: 40_000), of: stream)
    }

    @Test("The count includes the tail of a frame begun in an earlier call")
    func countsFrameBegunEarlier() throws {
        let bytes = handFrame(flags: 0, payload: [1, 2, 3, 4, 5]) + handFrame(flags: 0, payload: [6])
        var scanner = FrameScanner(maxMessageLength: 16)
        #expect(try scanner.scan(bytes[0..<7]) == 0)
        #expect(!scanner.isAtFrameBoundary)
        #expect(try scanner.scan(bytes[7..<12]) == 3)
        #expect(scanner.completedFrames == 1)
        #expect(try scanner.scan(bytes[12...]) == 4)
        #expect(scanner.completedFrames == 2)
    }

    @Test("Empty input changes nothing")
    func emptyInput() throws {
        var scanner = FrameScanner(maxMessageLength: 16)
        #expect(try scanner.scan([UInt8]()[...]) == 0)
        #expect(scanner.isAtFrameBoundary)
        #expect(scanner.completedFrames == 0)
        try scanner.finish()
    }

    @Test("A stream cut inside the prefix fails finish with the missing prefix bytes")
    func truncatedPrefix() throws {
        var scanner = FrameScanner(maxMessageLength: 16)
        #expect(try scanner.scan([0x00, 0x00, 0x00][...]) == 0)
        #expect(!scanner.isAtFrameBoundary)
        #expect(throws: FrameScanner.Failure.truncated(missingBytes: 2, insidePrefix: true)) {
            try scanner.finish()
        }
    }

    @Test("A stream cut inside the payload fails finish with the missing payload bytes")
    func truncatedPayload() throws {
        var scanner = FrameScanner(maxMessageLength: 16)
        let bytes = handFrame(flags: 0, payload: Array(repeating: 9, count: 10))
        #expect(try scanner.scan(bytes[0..<9]) == 0)
        #expect(throws: FrameScanner.Failure.truncated(missingBytes: 6, insidePrefix: false)) {
            try scanner.finish()
        }
    }

    @Test("A length over the limit throws as soon as the prefix completes, before any payload")
    func tooLargeDetectedAtPrefix() throws {
        var scanner = FrameScanner(maxMessageLength: 16)
        let prefix: [UInt8] = [0x00, 0x00, 0x00, 0x00, 17]
        for index in 0..<4 {
            #expect(try scanner.scan(prefix[index..<index + 1]) == 0)
        }
        #expect(throws: FrameScanner.Failure.messageTooLarge(length: 17, limit: 16)) {
            try scanner.scan(prefix[4..<5])
        }
        // The scanner stays failed.
        #expect(throws: FrameScanner.Failure.messageTooLarge(length: 17, limit: 16)) {
            try scanner.scan([0x00][...])
        }
        #expect(throws: FrameScanner.Failure.messageTooLarge(length: 17, limit: 16)) {
            try scanner.finish()
        }
    }

    @Test("A length over the limit in a later frame of the same input throws")
    func tooLargeLaterFrame() throws {
        var scanner = FrameScanner(maxMessageLength: 16)
        let bytes = handFrame(flags: 0, payload: [1]) + [0x00, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: FrameScanner.Failure.messageTooLarge(length: 0xFFFF_FFFF, limit: 16)) {
            try scanner.scan(bytes[...])
        }
    }

    @Test("A length exactly at the limit is accepted")
    func lengthAtLimit() throws {
        var scanner = FrameScanner(maxMessageLength: 16)
        let bytes = handFrame(flags: 0, payload: Array(repeating: 1, count: 16))
        #expect(try scanner.scan(bytes[...]) == 21)
    }

    @Test("A trailer frame throws where not allowed, on its flag byte", arguments: [UInt8(0x80), 0x81, 0xFF])
    func trailerNotAllowed(flags: UInt8) throws {
        var scanner = FrameScanner(maxMessageLength: 16)
        let bytes = handFrame(flags: 0, payload: [1]) + [flags]
        #expect(throws: FrameScanner.Failure.unexpectedTrailerFrame) {
            try scanner.scan(bytes[...])
        }
        var allowing = FrameScanner(maxMessageLength: 16)
        #expect(try allowing.scan(bytes[...], allowTrailerFrame: true) == 6)
    }
}
