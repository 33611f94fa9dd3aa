internal import GRPCWire

/// Splits a client-streaming REST body into its messages' JSON: newline-delimited JSON (one
/// document per line, blank lines skipped) or one JSON array (one message per element).
///
/// Only the structure is scanned (strings, escapes and nesting depth); each element's content is
/// checked by the ProtoJSON decoder afterwards, which reports errors with field paths.
enum JSONStream {
    /// The byte ranges of the messages in `body`.
    /// - Throws: INVALID_ARGUMENT for an unterminated string, unbalanced brackets or an array
    ///   with missing commas.
    static func elements(of body: [UInt8]) throws(GRPCStatus) -> [ArraySlice<UInt8>] {
        guard let first = body.firstIndex(where: { !isSpace($0) }) else { return [] }
        if body[first] == UInt8(ascii: "[") {
            return try arrayElements(body, start: first)
        }
        var messages: [ArraySlice<UInt8>] = []
        var lineStart = 0
        for index in body.indices where body[index] == UInt8(ascii: "\n") {
            let line = body[lineStart..<index]
            if !isBlank(line) { messages.append(line) }
            lineStart = index + 1
        }
        let last = body[lineStart...]
        if !isBlank(last) { messages.append(last) }
        return messages
    }

    /// Whether `bytes` holds only JSON whitespace.
    static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy(isSpace)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func arrayElements(_ body: [UInt8], start: Int) throws(GRPCStatus) -> [ArraySlice<UInt8>] {
        var elements: [ArraySlice<UInt8>] = []
        var depth = 0
        var inString = false
        var escaped = false
        var elementStart = start + 1
        var index = start
        while index < body.count {
            let byte = body[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 {
                        let element = body[elementStart..<index]
                        if !isBlank(element) { elements.append(element) } else if !elements.isEmpty {
                            throw GRPCStatus(.invalidArgument, "request body: empty element before ']' at byte \(index)")
                        }
                        index += 1
                        guard isBlank(body[index...]) else {
                            throw GRPCStatus(.invalidArgument, "request body: unexpected data after the array at byte \(index)")
                        }
                        return elements
                    }
                case UInt8(ascii: ","):
                    if depth == 1 {
                        let element = body[elementStart..<index]
                        guard !isBlank(element) else {
                            throw GRPCStatus(.invalidArgument, "request body: empty array element at byte \(index)")
                        }
                        elements.append(element)
                        elementStart = index + 1
                    }
                default:
                    break
                }
                if depth < 0 { break }
            }
            index += 1
        }
        throw GRPCStatus(.invalidArgument, "request body: the JSON array is not terminated")
    }
}
