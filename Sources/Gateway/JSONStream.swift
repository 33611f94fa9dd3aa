internal import GRPCWire

/// Splits a client-streaming REST body into its messages' JSON, as the body arrives:
/// newline-delimited JSON (one document per line, blank lines skipped) or one JSON array (one
/// message per element). Whichever it is shows in the first non-blank byte.
///
/// Only the structure is scanned (strings, escapes and nesting depth); each element's content is
/// checked by the ProtoJSON decoder afterwards, which reports errors with field paths. Memory is
/// one element at a time, whatever the body's length.
struct JSONStream {
    private enum Mode {
        case undecided
        case lines
        case array
        case afterArray
    }

    private var mode = Mode.undecided
    /// The bytes of the element being read.
    private var pending: [UInt8] = []
    /// Bytes scanned so far, for error offsets.
    private var offset = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// Elements completed so far (an empty array is fine; an empty last element is not).
    private var elementsFound = 0
    /// The largest element accepted: a stream's total length is unbounded, each message's is not.
    private let maxElementBytes: Int

    init(maxElementBytes: Int = .max) {
        self.maxElementBytes = maxElementBytes
    }

    /// The whole elements completed by `bytes`.
    /// - Throws: INVALID_ARGUMENT for an array with missing or empty elements, or data after it.
    mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(GRPCStatus) -> [[UInt8]] {
        var elements: [[UInt8]] = []
        for byte in bytes {
            defer { offset += 1 }
            switch mode {
            case .undecided:
                if Self.isSpace(byte) { continue }
                if byte == UInt8(ascii: "[") {
                    mode = .array
                    depth = 1
                } else {
                    mode = .lines
                    pending.append(byte)
                }
            case .lines:
                if byte == UInt8(ascii: "\n") {
                    if !Self.isBlank(pending) {
                        elements.append(pending)
                        elementsFound += 1
                    }
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(byte)
                }
            case .array:
                if let element = try scanArray(byte) { elements.append(element) }
            case .afterArray:
                guard Self.isSpace(byte) else {
                    throw GRPCStatus(.invalidArgument, "request body: unexpected data after the array at byte \(offset)")
                }
            }
            if pending.count > maxElementBytes {
                throw GRPCStatus(
                    .resourceExhausted, "request message \(elementsFound) is larger than the limit of \(maxElementBytes) bytes")
            }
        }
        return elements
    }

    /// The last element, once the body has ended.
    /// - Throws: INVALID_ARGUMENT for an array that was never closed.
    mutating func finish() throws(GRPCStatus) -> [[UInt8]] {
        switch mode {
        case .undecided, .afterArray:
            return []
        case .lines:
            defer { pending.removeAll() }
            return Self.isBlank(pending) ? [] : [pending]
        case .array:
            throw GRPCStatus(.invalidArgument, "request body: the JSON array is not terminated")
        }
    }

    /// Takes one byte inside the array; returns an element when it completes one.
    private mutating func scanArray(_ byte: UInt8) throws(GRPCStatus) -> [UInt8]? {
        if inString {
            pending.append(byte)
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            return nil
        }
        switch byte {
        case UInt8(ascii: "\""):
            inString = true
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            depth += 1
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
            depth -= 1
            if depth == 0 {
                mode = .afterArray
                defer { pending.removeAll() }
                if !Self.isBlank(pending) {
                    elementsFound += 1
                    return pending
                }
                if elementsFound > 0 {
                    throw GRPCStatus(.invalidArgument, "request body: empty element before ']' at byte \(offset)")
                }
                return nil
            }
            if depth < 0 {
                throw GRPCStatus(.invalidArgument, "request body: unbalanced '\(Character(UnicodeScalar(byte)))' at byte \(offset)")
            }
        case UInt8(ascii: ","):
            if depth == 1 {
                guard !Self.isBlank(pending) else {
                    throw GRPCStatus(.invalidArgument, "request body: empty array element at byte \(offset)")
                }
                elementsFound += 1
                let element = pending
                pending.removeAll(keepingCapacity: true)
                return element
            }
        default:
            break
        }
        pending.append(byte)
        return nil
    }

    /// Every element of a complete body.
    static func elements(of body: [UInt8]) throws(GRPCStatus) -> [[UInt8]] {
        var stream = JSONStream()
        var elements = try stream.feed(body)
        elements += try stream.finish()
        return elements
    }

    /// Whether `bytes` holds only JSON whitespace.
    static func isBlank<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        bytes.allSatisfy(isSpace)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
