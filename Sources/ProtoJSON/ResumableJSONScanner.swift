/// Checks JSON syntax (RFC 8259) as the text arrives in pieces split anywhere: inside a string, an
/// escape, a UTF-8 sequence, a number or a literal.
///
/// ``ProtoJSONDecoder/Incremental`` runs it on every piece, so a malformed body is refused at the
/// first bad byte rather than after the last one, and ``isComplete`` says when the top-level value
/// has ended. It accepts exactly what ``JSONScanner`` accepts when skipping a value: the same
/// number grammar, escapes (surrogates paired), UTF-8 rules and depth limit; the tests hold the two
/// to that, byte by byte.
struct ResumableJSONScanner {
    /// An open container.
    private enum Container {
        case object, array
    }

    /// Where a number is in its grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    private enum NumberPhase {
        case minus, zero, integer, dot, fraction, exponent, exponentSign, exponentDigits

        /// Whether the number may end here.
        var isComplete: Bool {
            switch self {
            case .zero, .integer, .fraction, .exponentDigits: true
            default: false
            }
        }
    }

    /// What the next byte may be.
    private enum State {
        /// A value (top level, after `:`, after `,` in an array).
        case value
        /// A value or `]`, after `[`.
        case valueOrClose
        /// A key, after `,` in an object.
        case key
        /// A key or `}`, after `{`.
        case keyOrClose
        /// `:` after a key.
        case colon
        /// `,` or the closing bracket, after a member or element.
        case commaOrClose
        /// The top-level value is complete; only whitespace may follow.
        case end
        /// Inside a string.
        case string(isKey: Bool)
        /// After a backslash in a string.
        case escape(isKey: Bool)
        /// Inside `\uXXXX`: digits read so far, their value, and a pending high surrogate.
        case unicode(isKey: Bool, digits: Int, value: UInt32, high: UInt32?)
        /// After a high surrogate escape: `\` must follow.
        case lowSurrogateBackslash(isKey: Bool, high: UInt32)
        /// After a high surrogate's `\`: `u` must follow.
        case lowSurrogateU(isKey: Bool, high: UInt32)
        /// Inside a multi-byte UTF-8 sequence: bytes left, and the range of the next one.
        case utf8(isKey: Bool, remaining: Int, lower: UInt8, upper: UInt8)
        /// Inside a number.
        case number(NumberPhase)
        /// Inside `true`, `false` or `null`: the literal and how much of it has been read.
        case literal(StaticString, matched: Int)
    }

    /// The containers open, innermost last.
    private var stack: [Container] = []
    /// The current state.
    private var state = State.value
    /// Bytes consumed so far, for error positions.
    private(set) var consumed = 0
    /// The deepest container nesting allowed.
    let maxDepth: Int

    /// A scanner expecting one JSON value.
    init(maxDepth: Int) {
        self.maxDepth = maxDepth
    }

    /// Whether a complete top-level value has been read (a number at the very end counts once
    /// ``finish()`` confirms nothing follows).
    var isComplete: Bool {
        if case .end = state {
            return true
        }
        return false
    }

    /// Checks the next piece.
    /// - Throws: ``ProtoJSONError`` at the first byte that cannot continue valid JSON.
    mutating func feed(_ piece: UnsafeRawBufferPointer) throws(ProtoJSONError) {
        var index = 0
        while index < piece.count {
            let byte = piece[index]
            // Fast path: plain bytes inside a string.
            if case .string = state, byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                index += 1
                consumed += 1
                continue
            }
            if try step(byte) {
                index += 1
                consumed += 1
            }
        }
    }

    /// Confirms the input ended after one complete value.
    mutating func finish() throws(ProtoJSONError) {
        if case .number(let phase) = state, phase.isComplete {
            endValue()
        }
        guard case .end = state else {
            throw error("unexpected end of input")
        }
    }

    /// An error at the current position.
    private func error(_ what: String) -> ProtoJSONError {
        ProtoJSONError(reason: "invalid JSON at byte \(consumed): \(what)")
    }

    /// After a value: the enclosing container's separator, or the end.
    private mutating func endValue() {
        state = stack.isEmpty ? .end : .commaOrClose
    }

    /// Whether a byte is JSON whitespace.
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Starts a value at `byte` (whitespace already skipped).
    private mutating func startValue(_ byte: UInt8) throws(ProtoJSONError) {
        guard stack.count < maxDepth else {
            throw ProtoJSONError(reason: "JSON nesting exceeds the depth limit")
        }
        switch byte {
        case UInt8(ascii: "{"):
            stack.append(.object)
            state = .keyOrClose
        case UInt8(ascii: "["):
            stack.append(.array)
            state = .valueOrClose
        case UInt8(ascii: "\""): state = .string(isKey: false)
        case UInt8(ascii: "-"): state = .number(.minus)
        case UInt8(ascii: "0"): state = .number(.zero)
        case UInt8(ascii: "1")...UInt8(ascii: "9"): state = .number(.integer)
        case UInt8(ascii: "t"): state = .literal("true", matched: 1)
        case UInt8(ascii: "f"): state = .literal("false", matched: 1)
        case UInt8(ascii: "n"): state = .literal("null", matched: 1)
        default: throw error("expected a value")
        }
    }

    /// Closes the innermost container with `byte`.
    private mutating func close(_ byte: UInt8) throws(ProtoJSONError) {
        let expected: Container = byte == UInt8(ascii: "}") ? .object : .array
        guard let last = stack.last, last == expected else {
            throw error("unbalanced '\(Character(Unicode.Scalar(byte)))'")
        }
        stack.removeLast()
        endValue()
    }

    /// The value of a hex digit, or `nil`.
    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Handles one byte.
    /// - Returns: Whether the byte was consumed; `false` when a number ended just before it and
    ///   the byte must be looked at again in the new state.
    private mutating func step(_ byte: UInt8) throws(ProtoJSONError) -> Bool {
        switch state {
        case .value:
            if !Self.isWhitespace(byte) {
                try startValue(byte)
            }
        case .valueOrClose:
            if byte == UInt8(ascii: "]") {
                try close(byte)
            } else if !Self.isWhitespace(byte) {
                try startValue(byte)
            }
        case .key, .keyOrClose:
            if byte == UInt8(ascii: "\"") {
                state = .string(isKey: true)
            } else if byte == UInt8(ascii: "}"), case .keyOrClose = state {
                try close(byte)
            } else if !Self.isWhitespace(byte) {
                throw error("expected a string")
            }
        case .colon:
            if byte == UInt8(ascii: ":") {
                state = .value
            } else if !Self.isWhitespace(byte) {
                throw error("expected ':'")
            }
        case .commaOrClose:
            if byte == UInt8(ascii: ",") {
                state = stack.last == .object ? .key : .value
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                try close(byte)
            } else if !Self.isWhitespace(byte) {
                throw error(stack.last == .object ? "expected ',' or '}'" : "expected ',' or ']'")
            }
        case .end:
            if !Self.isWhitespace(byte) {
                throw error("unexpected text after the JSON value")
            }
        case .string(let isKey):
            switch byte {
            case UInt8(ascii: "\""):
                if isKey {
                    state = .colon
                } else {
                    endValue()
                }
            case UInt8(ascii: "\\"): state = .escape(isKey: isKey)
            case 0..<0x20: throw error("control character in a string")
            case 0x80...:
                switch byte {
                case 0xC2...0xDF: state = .utf8(isKey: isKey, remaining: 1, lower: 0x80, upper: 0xBF)
                case 0xE0: state = .utf8(isKey: isKey, remaining: 2, lower: 0xA0, upper: 0xBF)
                case 0xE1...0xEC, 0xEE...0xEF: state = .utf8(isKey: isKey, remaining: 2, lower: 0x80, upper: 0xBF)
                case 0xED: state = .utf8(isKey: isKey, remaining: 2, lower: 0x80, upper: 0x9F)
                case 0xF0: state = .utf8(isKey: isKey, remaining: 3, lower: 0x90, upper: 0xBF)
                case 0xF1...0xF3: state = .utf8(isKey: isKey, remaining: 3, lower: 0x80, upper: 0xBF)
                case 0xF4: state = .utf8(isKey: isKey, remaining: 3, lower: 0x80, upper: 0x8F)
                default: throw error("invalid UTF-8 in a string")
                }
            default: break
            }
        case .utf8(let isKey, let remaining, let lower, let upper):
            guard byte >= lower && byte <= upper else {
                throw error("invalid UTF-8 in a string")
            }
            state =
                remaining == 1
                ? .string(isKey: isKey) : .utf8(isKey: isKey, remaining: remaining - 1, lower: 0x80, upper: 0xBF)
        case .escape(let isKey):
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                state = .string(isKey: isKey)
            case UInt8(ascii: "u"): state = .unicode(isKey: isKey, digits: 0, value: 0, high: nil)
            default: throw error("invalid escape in a string")
            }
        case .unicode(let isKey, let digits, let value, let high):
            guard let digit = Self.hexValue(byte) else {
                throw error("invalid \\u escape in a string")
            }
            let scalar = value << 4 | digit
            if digits < 3 {
                state = .unicode(isKey: isKey, digits: digits + 1, value: scalar, high: high)
            } else if high != nil {
                guard scalar >= 0xDC00 && scalar <= 0xDFFF else {
                    throw error("lone surrogate in a string")
                }
                state = .string(isKey: isKey)
            } else if scalar >= 0xD800 && scalar <= 0xDBFF {
                state = .lowSurrogateBackslash(isKey: isKey, high: scalar)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error("lone surrogate in a string")
            } else {
                state = .string(isKey: isKey)
            }
        case .lowSurrogateBackslash(let isKey, let high):
            guard byte == UInt8(ascii: "\\") else {
                throw error("lone surrogate in a string")
            }
            state = .lowSurrogateU(isKey: isKey, high: high)
        case .lowSurrogateU(let isKey, let high):
            guard byte == UInt8(ascii: "u") else {
                throw error("lone surrogate in a string")
            }
            state = .unicode(isKey: isKey, digits: 0, value: 0, high: high)
        case .number(let phase):
            let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            switch (phase, byte) {
            case (.minus, UInt8(ascii: "0")): state = .number(.zero)
            case (.minus, _) where isDigit: state = .number(.integer)
            case (.integer, _) where isDigit: break
            case (.zero, UInt8(ascii: ".")), (.integer, UInt8(ascii: ".")): state = .number(.dot)
            case (.dot, _) where isDigit: state = .number(.fraction)
            case (.fraction, _) where isDigit: break
            case (.zero, UInt8(ascii: "e")), (.zero, UInt8(ascii: "E")), (.integer, UInt8(ascii: "e")),
                (.integer, UInt8(ascii: "E")), (.fraction, UInt8(ascii: "e")), (.fraction, UInt8(ascii: "E")):
                state = .number(.exponent)
            case (.exponent, UInt8(ascii: "+")), (.exponent, UInt8(ascii: "-")): state = .number(.exponentSign)
            case (.exponent, _) where isDigit, (.exponentSign, _) where isDigit: state = .number(.exponentDigits)
            case (.exponentDigits, _) where isDigit: break
            default:
                guard phase.isComplete else {
                    throw error("invalid number")
                }
                endValue()
                return false
            }
        case .literal(let literal, let matched):
            guard byte == literal.utf8Start[matched] else {
                throw error("invalid literal")
            }
            if matched + 1 == literal.utf8CodeUnitCount {
                endValue()
            } else {
                state = .literal(literal, matched: matched + 1)
            }
        }
        return true
    }
}
