/// Reassembles whole length-prefixed gRPC messages from a byte stream split anywhere.
///
/// Unlike ``FrameScanner``, which only tracks boundaries for pass-through, this buffers bytes and
/// hands out each frame's payload. Use it where the gateway must look inside messages: gRPC-Web
/// trailer frames (PROTOCOL-WEB.md) a test client reads, or REST transcoding. Framing follows gRPC
/// over HTTP/2 (PROTOCOL-HTTP2.md): flag byte, 32-bit big-endian length, payload.
///
/// ```swift
/// var deframer = MessageDeframer(maxMessageLength: 4 << 20)
/// deframer.append(chunk)
/// while let frame = try deframer.next() { handle(frame) }
/// try deframer.finish()   // at end of stream
/// ```
public struct MessageDeframer: Sendable {
    /// One complete frame.
    public struct Frame: Sendable, Equatable {
        /// The flag byte: `0x00` data, `0x01` compressed, `0x80` gRPC-Web trailer frame.
        public var flags: UInt8
        /// The message bytes (or the trailer block for a trailer frame), without the prefix.
        public var payload: [UInt8]
        /// True for a gRPC-Web trailer frame (flag bit `0x80`, PROTOCOL-WEB.md).
        public var isTrailer: Bool { flags & MessageFramer.trailerFlag != 0 }

        /// Creates a frame.
        public init(flags: UInt8, payload: [UInt8]) {
            self.flags = flags
            self.payload = payload
        }
    }

    /// The largest payload length accepted.
    public let maxMessageLength: Int
    /// Bytes received and not yet returned as frames start at `readIndex`.
    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// Creates an empty deframer.
    /// - Parameter maxMessageLength: The largest payload length accepted; a longer announced length
    ///   makes ``next()`` throw ``FrameScanner/Failure/messageTooLarge(length:limit:)``.
    public init(maxMessageLength: Int) {
        precondition(maxMessageLength >= 0, "maxMessageLength must not be negative")
        self.maxMessageLength = maxMessageLength
    }

    /// Number of received bytes not yet returned in a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds the next bytes of the stream.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Adds the next bytes of the stream.
    public mutating func append(_ bytes: [UInt8]) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete frame.
    /// - Returns: The frame, or `nil` if more bytes are needed.
    /// - Throws: ``FrameScanner/Failure/messageTooLarge(length:limit:)`` as soon as a prefix
    ///   announcing too long a payload is complete; it keeps throwing on later calls.
    public mutating func next() throws(FrameScanner.Failure) -> Frame? {
        let prefixLength = MessageFramer.prefixLength
        guard bufferedByteCount >= prefixLength else {
            return nil
        }
        let flags = buffer[readIndex]
        let length = announcedLength(at: readIndex)
        guard length <= maxMessageLength else {
            throw .messageTooLarge(length: length, limit: maxMessageLength)
        }
        guard bufferedByteCount - prefixLength >= length else {
            return nil
        }
        let start = readIndex + prefixLength
        let frame = Frame(flags: flags, payload: Array(buffer[start..<start + length]))
        readIndex = start + length
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return frame
    }

    /// Checks that no partial frame is left at the end of the stream.
    /// - Throws: ``FrameScanner/Failure/truncated(missingBytes:insidePrefix:)`` if bytes of an
    ///   incomplete frame remain. Complete frames not yet taken with ``next()`` are not an error.
    public func finish() throws(FrameScanner.Failure) {
        var index = readIndex
        let prefixLength = MessageFramer.prefixLength
        while index < buffer.count {
            let available = buffer.count - index
            if available < prefixLength {
                throw .truncated(missingBytes: prefixLength - available, insidePrefix: true)
            }
            let length = announcedLength(at: index)
            if available - prefixLength < length {
                throw .truncated(missingBytes: length - (available - prefixLength), insidePrefix: false)
            }
            index += prefixLength + length
        }
    }

    /// The big-endian payload length in the prefix starting at `index`.
    private func announcedLength(at index: Int) -> Int {
        Int(buffer[index + 1]) << 24 | Int(buffer[index + 2]) << 16 | Int(buffer[index + 3]) << 8
            | Int(buffer[index + 4])
    }

    /// Drops already-returned bytes once they make up at least half the buffer, so the buffer does
    /// not grow without bound while the cost of moving the tail stays amortized.
    private mutating func compactIfWorthwhile() {
        if readIndex > 0 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(..<readIndex)
            readIndex = 0
        }
    }
}
