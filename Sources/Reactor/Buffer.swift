internal import CLibevent

/// A byte queue backed by a libevent `evbuffer`: appending and moving between buffers shares
/// or relinks memory chains instead of copying, which is how bytes cross from one socket to
/// another without being rebuilt.
///
/// A buffer either owns its `evbuffer` (frees it on `deinit`) or borrows one that libevent
/// owns, such as a request's input buffer; a borrowed buffer is valid only as long as its owner.
public final class Buffer {
    /// The `struct evbuffer *`.
    public let raw: OpaquePointer
    private let owned: Bool

    /// Creates an empty buffer that owns its storage.
    public init() {
        self.raw = evbuffer_new()!
        self.owned = true
    }

    /// Wraps an `evbuffer` libevent owns, without taking ownership.
    public init(borrowing raw: OpaquePointer) {
        self.raw = raw
        self.owned = false
    }

    deinit {
        if owned {
            evbuffer_free(raw)
        }
    }

    /// Number of bytes in the buffer.
    public var count: Int {
        evbuffer_get_length(raw)
    }

    /// Whether the buffer holds no bytes.
    public var isEmpty: Bool {
        count == 0
    }

    /// Copies `bytes` to the end of the buffer.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = evbuffer_add(raw, base, bytes.count)
    }

    /// Copies `bytes` to the end of the buffer.
    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Copies the UTF-8 of `string` to the end of the buffer.
    public func append(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Moves every byte of `other` to the end of this buffer (relinks chains; `other` is left empty).
    public func append(moving other: Buffer) {
        _ = evbuffer_add_buffer(raw, other.raw)
    }

    /// Moves the first `count` bytes of `other` to the end of this buffer.
    public func append(moving count: Int, from other: Buffer) {
        _ = evbuffer_remove_buffer(other.raw, raw, count)
    }

    /// Removes the first `count` bytes.
    public func drain(_ count: Int) {
        _ = evbuffer_drain(raw, count)
    }

    /// Copies up to `destination.count` bytes out of the front of the buffer and removes them.
    /// - Returns: the number of bytes copied.
    public func remove(into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = destination.baseAddress, destination.count > 0 else { return 0 }
        return max(0, Int(evbuffer_remove(raw, base, destination.count)))
    }

    /// A read position inside a buffer, for copying its bytes out in order without removing them.
    /// Advancing costs only the chains crossed, so reading a large buffer chunk by chunk is linear
    /// (setting a position from an offset walks the chains from the start every time).
    public struct Cursor {
        fileprivate var position = evbuffer_ptr()
        fileprivate var isSet = false
        /// Bytes copied out through this cursor so far.
        public private(set) var offset = 0

        public init() {}

        fileprivate mutating func advance(_ count: Int) {
            offset += count
        }
    }

    /// Copies up to `destination.count` bytes from `cursor` on, without removing them, and moves
    /// the cursor past them. - Returns: the number of bytes copied.
    public func copy(from cursor: inout Cursor, into destination: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = destination.baseAddress, destination.count > 0, cursor.offset < count else { return 0 }
        if !cursor.isSet {
            guard evbuffer_ptr_set(raw, &cursor.position, cursor.offset, EVBUFFER_PTR_SET) == 0 else { return 0 }
            cursor.isSet = true
        }
        let copied = max(0, Int(evbuffer_copyout_from(raw, &cursor.position, base, destination.count)))
        if copied > 0 {
            _ = evbuffer_ptr_set(raw, &cursor.position, copied, EVBUFFER_PTR_ADD)
            cursor.advance(copied)
        }
        return copied
    }

    /// Calls `body` with the buffer's contents as one contiguous span (linearising the chains
    /// first if needed, which copies only when the bytes are split over several chains).
    public func withContiguousBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let length = count
        guard length > 0, let pointer = evbuffer_pullup(raw, length) else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// Calls `body` once per contiguous chain segment, in order, without copying or removing.
    public func forEachSegment<Failure: Error>(_ body: (UnsafeRawBufferPointer) throws(Failure) -> Void) throws(Failure) {
        let n = evbuffer_peek(raw, -1, nil, nil, 0)
        guard n > 0 else { return }
        var vectors = [iovec](repeating: iovec(), count: Int(n))
        let filled = evbuffer_peek(raw, -1, nil, &vectors, n)
        for i in 0..<Int(filled) {
            try body(UnsafeRawBufferPointer(start: vectors[i].iov_base, count: vectors[i].iov_len))
        }
    }

    /// The whole contents as an array (copies; for tests, diagnostics and small payloads).
    public var bytes: [UInt8] {
        withContiguousBytes { Array($0) }
    }
}
