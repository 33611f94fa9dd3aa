/// Tracks length-prefixed gRPC frames in a byte stream without copying or keeping any payload.
///
/// A proxy forwards message bytes untouched, but still has to know where messages start and end:
/// to enforce a size limit, to detect a stream cut off mid-message, and to spot a gRPC-Web trailer
/// frame. gRPC over HTTP/2 (PROTOCOL-HTTP2.md) says "DATA frame boundaries have no relation to
/// Length-Prefixed-Message boundaries", so the scanner accepts input split anywhere, even inside
/// the 5-byte prefix, and keeps only a few integers of state.
///
/// ```swift
/// var scanner = FrameScanner(maxMessageLength: 4 << 20)
/// let whole = try chunk.withUnsafeBytes { try scanner.scan($0) }
/// // chunk[..<whole] ends on a message boundary; forward it all anyway.
/// try scanner.finish()   // at end of stream
/// ```
///
/// After a `scan` throws, the stream is unusable: later calls throw the same failure again.
public struct FrameScanner: Sendable {
    /// Why a stream of frames is not acceptable.
    public enum Failure: Error, Equatable, Sendable {
        /// A prefix announced a message longer than the configured limit. Raised as soon as the
        /// prefix is complete, before any payload byte is accepted.
        case messageTooLarge(length: Int, limit: Int)
        /// The stream ended inside a frame. `insidePrefix` tells whether the cut fell in the 5-byte
        /// prefix (`missingBytes` counts prefix bytes) or in the payload (payload bytes).
        case truncated(missingBytes: Int, insidePrefix: Bool)
        /// A frame with flag bit `0x80` (gRPC-Web trailer frame, PROTOCOL-WEB.md) arrived where only
        /// data frames are allowed, for example in a request body.
        case unexpectedTrailerFrame
    }

    /// The largest payload length accepted.
    public let maxMessageLength: Int
    /// Number of complete frames seen so far.
    public private(set) var completedFrames = 0
    /// Prefix bytes of the current frame seen so far (0...4); 0 also while in a payload.
    private var prefixBytesSeen = 0
    /// The flag byte of the current frame (valid once `prefixBytesSeen >= 1`).
    public private(set) var currentFlags: UInt8 = 0
    /// The big-endian length being assembled from the prefix.
    private var lengthAccumulator: UInt32 = 0
    /// Payload bytes of the current frame still to come.
    private var payloadRemaining = 0
    /// Set once a scan has thrown; every later scan rethrows it.
    private var failure: Failure?

    /// Creates a scanner positioned at the start of a stream.
    /// - Parameter maxMessageLength: The largest payload length accepted (gRPC's conventional
    ///   default is 4 MiB); a longer announced length throws ``Failure/messageTooLarge(length:limit:)``.
    public init(maxMessageLength: Int) {
        precondition(maxMessageLength >= 0, "maxMessageLength must not be negative")
        self.maxMessageLength = maxMessageLength
    }

    /// True when the bytes seen so far end exactly on a frame boundary (including at the start).
    public var isAtFrameBoundary: Bool {
        prefixBytesSeen == 0 && payloadRemaining == 0
    }

    /// Consumes the next piece of the stream.
    /// - Parameters:
    ///   - bytes: The next bytes of the stream, split anywhere.
    ///   - allowTrailerFrame: When `false`, a frame whose flag byte has bit `0x80` set throws
    ///     ``Failure/unexpectedTrailerFrame`` as soon as its flag byte is seen.
    /// - Returns: How many bytes from the start of `bytes` end at the last frame boundary reached
    ///   in this call; 0 if no frame completed in it. Frames that began in earlier calls count.
    /// - Throws: ``Failure/messageTooLarge(length:limit:)`` or ``Failure/unexpectedTrailerFrame``.
    public mutating func scan(_ bytes: UnsafeRawBufferPointer, allowTrailerFrame: Bool = false) throws(Failure)
        -> Int
    {
        if let failure {
            throw failure
        }
        let count = bytes.count
        // Fast path for the bulk of a large message: the whole input is payload.
        if payloadRemaining > count {
            payloadRemaining -= count
            return 0
        }
        var index = 0
        var lastBoundary = 0
        while index < count {
            if payloadRemaining > 0 {
                let take = min(payloadRemaining, count - index)
                payloadRemaining -= take
                index += take
                if payloadRemaining == 0 {
                    completedFrames += 1
                    lastBoundary = index
                }
                continue
            }
            let byte = bytes[index]
            index += 1
            if prefixBytesSeen == 0 {
                currentFlags = byte
                lengthAccumulator = 0
                if !allowTrailerFrame && byte & MessageFramer.trailerFlag != 0 {
                    try fail(.unexpectedTrailerFrame)
                }
            } else {
                lengthAccumulator = lengthAccumulator << 8 | UInt32(byte)
            }
            prefixBytesSeen += 1
            if prefixBytesSeen == MessageFramer.prefixLength {
                prefixBytesSeen = 0
                let length = Int(lengthAccumulator)
                if length > maxMessageLength {
                    try fail(.messageTooLarge(length: length, limit: maxMessageLength))
                }
                if length == 0 {
                    completedFrames += 1
                    lastBoundary = index
                } else {
                    payloadRemaining = length
                }
            }
        }
        return lastBoundary
    }

    /// Checks that the stream ended on a frame boundary.
    /// - Throws: ``Failure/truncated(missingBytes:insidePrefix:)`` if it ended inside a prefix or
    ///   payload, or the failure an earlier `scan` threw.
    public func finish() throws(Failure) {
        if let failure {
            throw failure
        }
        if prefixBytesSeen > 0 {
            throw .truncated(missingBytes: MessageFramer.prefixLength - prefixBytesSeen, insidePrefix: true)
        }
        if payloadRemaining > 0 {
            throw .truncated(missingBytes: payloadRemaining, insidePrefix: false)
        }
    }

    /// Records `failure` so the scanner stays failed, then throws it.
    private mutating func fail(_ failure: Failure) throws(Failure) -> Never {
        self.failure = failure
        throw failure
    }
}
