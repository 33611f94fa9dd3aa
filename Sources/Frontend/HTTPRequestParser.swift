internal import CLibevent
public import Reactor

/// Reads HTTP/1.1 requests out of a connection's input, one at a time: the head, then the body
/// (`Content-Length` or chunked), moved into a separate buffer as it arrives.
///
/// A pure state machine over ``Buffer``s, with no I/O: the connection feeds it what the socket
/// delivered and acts on what it returns. It is strict where leniency lets requests be smuggled
/// past another proxy (RFC 9112 §6.3, §11.2): two `Content-Length`s, `Content-Length` with
/// `Transfer-Encoding`, a coding other than `chunked`, a folded or malformed header line, a bare CR,
/// no `Host` in HTTP/1.1; each is a ``HTTPRequestError`` and the connection closes after answering.
public struct HTTPRequestParser {
    /// What the parser refuses to hold.
    public struct Limits: Sendable {
        /// The largest request head (request line plus headers, and a chunked body's trailers).
        public var maxHeadBytes: Int
        /// The most header fields one request may have.
        public var maxHeaderCount: Int

        public init(maxHeadBytes: Int = 16 * 1024, maxHeaderCount: Int = 100) {
            self.maxHeadBytes = maxHeadBytes
            self.maxHeaderCount = maxHeaderCount
        }
    }

    /// What a call to ``readBody(from:into:limit:)`` achieved.
    public enum BodyProgress: Equatable {
        /// The body is complete (its last byte is in the destination).
        case complete
        /// Every byte available was taken; the body goes on.
        case needsMoreInput
        /// The destination holds `limit` bytes; input is left until they are taken.
        case destinationFull
    }

    private enum BodyState {
        case length(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytesSeen: Int)
        case complete
    }

    let limits: Limits
    /// Bytes of an incomplete head already searched for its end, so a head that trickles in is
    /// not rescanned from the start on every read.
    private var scannedHeadBytes = 0
    private var body: BodyState = .complete

    public init(limits: Limits) {
        self.limits = limits
    }

    /// Body bytes still to come for a `Content-Length` body; nil for a chunked one or none.
    public var remainingBodyBytes: Int? {
        if case .length(let remaining) = body { return remaining }
        return nil
    }

    /// Whether the current request's body has been read completely.
    public var isBodyComplete: Bool {
        if case .complete = body { return true }
        return false
    }

    // MARK: Head

    /// Takes one complete request head out of `input`.
    /// - Returns: the head, or nil if `input` does not hold a complete one yet.
    /// - Throws: ``HTTPRequestError`` for a head that is malformed, too large or not supported.
    public mutating func readHead(from input: Buffer) throws(HTTPRequestError) -> HTTPRequestHead? {
        try skipLeadingEmptyLines(input)
        let available = input.count
        guard available > 0 else { return nil }
        // One byte past the limit is enough to tell a head that is too large.
        let window = min(available, limits.maxHeadBytes + 1)
        guard let start = evbuffer_pullup(input.raw, window) else { return nil }
        let bytes = UnsafeBufferPointer(start: start, count: window)
        guard let headLength = Self.endOfHead(in: bytes, from: max(0, scannedHeadBytes - 2)) else {
            if window > limits.maxHeadBytes {
                // A request line alone over the limit is a URI that is too long; otherwise the
                // headers are.
                if !bytes.contains(UInt8(ascii: "\n")) {
                    throw HTTPRequestError(status: 414, "the request line is longer than \(limits.maxHeadBytes) bytes")
                }
                throw HTTPRequestError(status: 431, "the request head is longer than \(limits.maxHeadBytes) bytes")
            }
            scannedHeadBytes = window
            return nil
        }
        guard headLength <= limits.maxHeadBytes else {
            throw HTTPRequestError(status: 431, "the request head is longer than \(limits.maxHeadBytes) bytes")
        }
        let head = try Self.parseHead(UnsafeBufferPointer(rebasing: bytes[0..<headLength]), limits: limits)
        input.drain(headLength)
        scannedHeadBytes = 0
        switch head.framing {
        case .length(let length): body = length == 0 ? .complete : .length(remaining: length)
        case .chunked: body = .chunkSizeLine
        }
        return head
    }

    /// RFC 9112 §2.2: a server should ignore at least one empty line before a request line.
    private func skipLeadingEmptyLines(_ input: Buffer) throws(HTTPRequestError) {
        while input.count > 0 {
            var first: UInt8 = 0
            _ = evbuffer_copyout(input.raw, &first, 1)
            if first == UInt8(ascii: "\n") {
                input.drain(1)
            } else if first == UInt8(ascii: "\r") {
                guard input.count >= 2 else { return }
                var pair: (UInt8, UInt8) = (0, 0)
                _ = withUnsafeMutableBytes(of: &pair) { evbuffer_copyout(input.raw, $0.baseAddress, 2) }
                guard pair.1 == UInt8(ascii: "\n") else { throw .badRequest("a bare CR before the request line") }
                input.drain(2)
            } else {
                return
            }
        }
    }

    /// The length of the head including its empty last line, if `bytes` hold all of it.
    static func endOfHead(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        let newline = UInt8(ascii: "\n")
        while index < bytes.count {
            guard let found = UnsafeBufferPointer(rebasing: bytes[index...]).firstIndex(of: newline) else { return nil }
            let position = index + found
            if position + 1 < bytes.count, bytes[position + 1] == newline { return position + 2 }
            if position + 2 < bytes.count, bytes[position + 1] == UInt8(ascii: "\r"), bytes[position + 2] == newline {
                return position + 3
            }
            index = position + 1
        }
        return nil
    }

    // MARK: Body

    /// Moves body bytes from `input` into `destination` until the body ends, the input runs out or
    /// `destination` holds `limit` bytes. Chunked framing is removed; trailers are read and dropped.
    public mutating func readBody(from input: Buffer, into destination: Buffer, limit: Int) throws(HTTPRequestError) -> BodyProgress {
        while true {
            switch body {
            case .complete:
                return .complete
            case .length(let remaining):
                let moved = Self.move(upTo: remaining, from: input, into: destination, limit: limit)
                if moved == remaining {
                    body = .complete
                    return .complete
                }
                body = .length(remaining: remaining - moved)
                return input.isEmpty ? .needsMoreInput : .destinationFull
            case .chunkData(let remaining):
                let moved = Self.move(upTo: remaining, from: input, into: destination, limit: limit)
                if moved == remaining {
                    body = .chunkDataEnd
                    continue
                }
                body = .chunkData(remaining: remaining - moved)
                return input.isEmpty ? .needsMoreInput : .destinationFull
            case .chunkSizeLine:
                guard let line = try takeLine(from: input, maxLength: 1024, what: "chunk size line") else { return .needsMoreInput }
                let size = try Self.chunkSize(line)
                body = size == 0 ? .trailers(bytesSeen: 0) : .chunkData(remaining: size)
            case .chunkDataEnd:
                guard input.count >= 1 else { return .needsMoreInput }
                // Exactly CRLF: a proxy in front that reads chunk framing differently (a bare LF
                // here, say) would see other request boundaries than ours.
                var pair: (UInt8, UInt8) = (0, 0)
                let copied = withUnsafeMutableBytes(of: &pair) { evbuffer_copyout(input.raw, $0.baseAddress, min(2, input.count)) }
                guard pair.0 == UInt8(ascii: "\r") else { throw .badRequest("a chunk is longer than its declared size") }
                guard copied == 2 else { return .needsMoreInput }
                guard pair.1 == UInt8(ascii: "\n") else { throw .badRequest("a chunk is not followed by CRLF") }
                input.drain(2)
                body = .chunkSizeLine
            case .trailers(let bytesSeen):
                let room = limits.maxHeadBytes - bytesSeen
                guard let line = try takeLine(from: input, maxLength: max(room, 0), what: "trailer section") else {
                    return .needsMoreInput
                }
                if line.isEmpty {
                    body = .complete
                    return .complete
                }
                try Self.checkTrailerLine(line)
                body = .trailers(bytesSeen: bytesSeen + line.count + 2)
            }
        }
    }

    /// RFC 9112 §7.1.1: `*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )`, ext-val a token or
    /// a quoted string. Anything else after a chunk size is refused rather than skipped.
    static func isChunkExtensions(_ text: ArraySlice<UInt8>) -> Bool {
        var index = text.startIndex
        func skipSpace() {
            while index < text.endIndex, text[index] == UInt8(ascii: " ") || text[index] == UInt8(ascii: "\t") { index += 1 }
        }
        func token() -> Bool {
            let start = index
            while index < text.endIndex, isTokenByte(text[index]) { index += 1 }
            return index > start
        }
        func quotedString() -> Bool {
            guard index < text.endIndex, text[index] == UInt8(ascii: "\"") else { return false }
            index += 1
            while index < text.endIndex {
                let byte = text[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return true
                }
                if byte == UInt8(ascii: "\\") { index += 1 }
                guard index < text.endIndex, text[index] >= 0x20 || text[index] == UInt8(ascii: "\t"), text[index] != 0x7F else {
                    return false
                }
                index += 1
            }
            return false
        }
        skipSpace()
        while index < text.endIndex {
            guard text[index] == UInt8(ascii: ";") else { return false }
            index += 1
            skipSpace()
            guard token() else { return false }
            skipSpace()
            if index < text.endIndex, text[index] == UInt8(ascii: "=") {
                index += 1
                skipSpace()
                guard token() || quotedString() else { return false }
                skipSpace()
            }
        }
        return true
    }

    /// A trailer field line: a token name, a colon, a value without control characters.
    static func checkTrailerLine(_ line: [UInt8]) throws(HTTPRequestError) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0, line[..<colon].allSatisfy(isTokenByte) else {
            throw .badRequest("a malformed trailer field")
        }
        for byte in line[(colon + 1)...] where byte < 0x20 && byte != UInt8(ascii: "\t") || byte == 0x7F {
            throw .badRequest("a control character in a trailer field")
        }
    }

    private static func move(upTo wanted: Int, from input: Buffer, into destination: Buffer, limit: Int) -> Int {
        let count = min(wanted, input.count, max(0, limit - destination.count))
        if count > 0 { destination.append(moving: count, from: input) }
        return count
    }

    /// Takes one CRLF-terminated line out of `input`, without its terminator. Chunked framing is
    /// read strictly (no bare LF), unlike the head: it is where readers disagree in practice.
    private func takeLine(from input: Buffer, maxLength: Int, what: String) throws(HTTPRequestError) -> [UInt8]? {
        var terminatorLength = 0
        let found = evbuffer_search_eol(input.raw, nil, &terminatorLength, EVBUFFER_EOL_CRLF_STRICT)
        guard found.pos >= 0 else {
            if input.count > maxLength { throw .badRequest("the \(what) is longer than \(maxLength) bytes") }
            return nil
        }
        guard found.pos <= maxLength else { throw .badRequest("the \(what) is longer than \(maxLength) bytes") }
        var line = [UInt8](repeating: 0, count: found.pos)
        if found.pos > 0 { _ = line.withUnsafeMutableBytes { evbuffer_remove(input.raw, $0.baseAddress, found.pos) } }
        input.drain(terminatorLength)
        if line.contains(UInt8(ascii: "\r")) { throw .badRequest("a bare CR in the \(what)") }
        if line.contains(UInt8(ascii: "\n")) { throw .badRequest("a bare LF in the \(what)") }
        return line
    }

    /// The size in a chunk size line: hex digits, then optionally whitespace and extensions.
    static func chunkSize(_ line: [UInt8]) throws(HTTPRequestError) -> Int {
        var size = 0
        var digits = 0
        var significantDigits = 0
        for byte in line {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A")) + 10
            default:
                guard digits > 0, let index = line.firstIndex(of: byte), Self.isChunkExtensions(line[index...]) else {
                    throw .badRequest("invalid chunk size line")
                }
                return size
            }
            digits += 1
            // 15 significant hex digits stay far inside Int; leading zeros do not count.
            if size != 0 || value != 0 { significantDigits += 1 }
            guard significantDigits <= 15 else { throw .badRequest("chunk size too large") }
            size = size << 4 | value
        }
        guard digits > 0 else { throw .badRequest("invalid chunk size line") }
        return size
    }
}
