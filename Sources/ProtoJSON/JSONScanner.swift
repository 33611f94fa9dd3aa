/// A pull tokenizer over JSON text (RFC 8259, https://www.rfc-editor.org/rfc/rfc8259), the input
/// side of ``ProtoJSONDecoder``.
///
/// It hands out byte ranges of the input, not values: a string's raw contents (escapes still in
/// place, with a flag saying whether there are any), a number's text. The decoder converts each
/// token straight into wire bytes, so an unescaped string is copied once, from the JSON into the
/// output. Strictly RFC 8259: no comments, no trailing commas, no `NaN` literal, no leading zeros,
/// no raw control characters in strings.
struct JSONScanner {
    /// The JSON text.
    let source: UnsafeRawBufferPointer
    /// The next byte to read.
    var position = 0

    /// A scanner at the start of `source`.
    init(_ source: UnsafeRawBufferPointer) {
        self.source = source
    }

    /// A JSON string token: the bytes between the quotes.
    struct StringToken {
        /// The raw contents, escapes not decoded.
        var range: Range<Int>
        /// Whether the contents hold a backslash escape.
        var hasEscapes: Bool
    }

    /// Whether only whitespace is left.
    mutating func isAtEnd() -> Bool {
        skipWhitespace()
        return position >= source.count
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    @inline(__always)
    mutating func skipWhitespace() {
        while position < source.count {
            switch source[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next significant byte, not consumed; `nil` at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < source.count ? source[position] : nil
    }

    /// Consumes `byte` if it is next; returns whether it was.
    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        if peek() == byte {
            position += 1
            return true
        }
        return false
    }

    /// Consumes `byte`, which must be next.
    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: StaticString) throws(ProtoJSONError) {
        guard consume(byte) else {
            throw syntaxError("expected \(what)")
        }
    }

    /// After a member or element: consumes `,` and returns `true`, or consumes the closing
    /// bracket and returns `false`.
    @inline(__always)
    mutating func nextItem(closing: UInt8) throws(ProtoJSONError) -> Bool {
        guard let byte = peek() else {
            throw syntaxError("unexpected end of input")
        }
        position += 1
        if byte == UInt8(ascii: ",") {
            return true
        }
        if byte == closing {
            return false
        }
        position -= 1
        throw syntaxError(closing == UInt8(ascii: "}") ? "expected ',' or '}'" : "expected ',' or ']'")
    }

    /// Reads a string token; the opening quote must be next.
    @inline(__always)
    mutating func readString() throws(ProtoJSONError) -> StringToken {
        guard peek() == UInt8(ascii: "\"") else {
            throw syntaxError("expected a string")
        }
        position += 1
        let start = position
        var hasEscapes = false
        while position < source.count {
            let byte = source[position]
            if byte == UInt8(ascii: "\"") {
                let token = StringToken(range: start..<position, hasEscapes: hasEscapes)
                position += 1
                return token
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 2
                continue
            }
            if byte < 0x20 {
                throw syntaxError("control character in a string")
            }
            position += 1
        }
        throw syntaxError("unterminated string")
    }

    /// Reads a number token and checks its grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    /// - Returns: The number's text and whether it is a plain integer (no fraction, no exponent).
    @inline(__always)
    mutating func readNumber() throws(ProtoJSONError) -> (range: Range<Int>, isInteger: Bool) {
        skipWhitespace()
        let start = position
        guard let end = JSONScanner.numberEnd(source, start, source.count) else {
            throw syntaxError("invalid number")
        }
        position = end.end
        return (start..<end.end, end.isInteger)
    }

    /// Reads a number that is a plain integer of at most 18 digits (`-?[1-9][0-9]*` or `0`), the
    /// common case, in one pass; returns `nil` without moving for anything else (a fraction, an
    /// exponent, a leading zero, more digits), which the general path then handles.
    @inline(__always)
    mutating func plainInteger() -> ParsedInteger? {
        var index = position
        let end = source.count
        var negative = false
        if index < end && source[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let digitsStart = index
        var magnitude: UInt64 = 0
        while index < end {
            let digit = source[index] &- UInt8(ascii: "0")
            if digit > 9 {
                break
            }
            magnitude = magnitude &* 10 &+ UInt64(digit)
            index += 1
        }
        let count = index - digitsStart
        guard count > 0, count <= 18, count == 1 || source[digitsStart] != UInt8(ascii: "0") else {
            return nil
        }
        if index < end {
            let next = source[index]
            if next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
                return nil
            }
        }
        position = index
        return ParsedInteger(negative: negative, magnitude: magnitude)
    }

    /// Where a JSON number starting at `start` ends, or `nil` if the text there is not one.
    @inline(__always)
    static func numberEnd(_ source: UnsafeRawBufferPointer, _ start: Int, _ limit: Int) -> (end: Int, isInteger: Bool)?
    {
        var index = start
        if index < limit && source[index] == UInt8(ascii: "-") {
            index += 1
        }
        guard index < limit else { return nil }
        if source[index] == UInt8(ascii: "0") {
            index += 1
        } else if source[index] >= UInt8(ascii: "1") && source[index] <= UInt8(ascii: "9") {
            while index < limit && source[index] >= UInt8(ascii: "0") && source[index] <= UInt8(ascii: "9") {
                index += 1
            }
        } else {
            return nil
        }
        var isInteger = true
        if index < limit && source[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            let digits = index
            while index < limit && source[index] >= UInt8(ascii: "0") && source[index] <= UInt8(ascii: "9") {
                index += 1
            }
            guard index > digits else { return nil }
        }
        if index < limit && (source[index] == UInt8(ascii: "e") || source[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if index < limit && (source[index] == UInt8(ascii: "+") || source[index] == UInt8(ascii: "-")) {
                index += 1
            }
            let digits = index
            while index < limit && source[index] >= UInt8(ascii: "0") && source[index] <= UInt8(ascii: "9") {
                index += 1
            }
            guard index > digits else { return nil }
        }
        return (index, isInteger)
    }

    /// Consumes the literal `true`, `false` or `null` that starts here.
    mutating func readLiteral(_ literal: StaticString) throws(ProtoJSONError) {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard source.count - position >= count else {
            throw syntaxError("invalid literal")
        }
        for offset in 0..<count where source[position + offset] != literal.utf8Start[offset] {
            throw syntaxError("invalid literal")
        }
        position += count
    }

    /// Skips one whole value of any kind, checking its syntax (used for unknown fields).
    /// - Parameter depth: Nesting left before the value counts as too deep.
    mutating func skipValue(depth: Int) throws(ProtoJSONError) {
        guard depth > 0 else {
            throw ProtoJSONError(reason: "JSON nesting exceeds the depth limit")
        }
        switch peek() {
        case UInt8(ascii: "{"):
            position += 1
            if consume(UInt8(ascii: "}")) {
                return
            }
            repeat {
                let key = try readString()
                if key.hasEscapes {
                    var scratch: [UInt8] = []
                    try decodeString(key, into: &scratch)
                } else {
                    try checkUTF8(key.range)
                }
                try expect(UInt8(ascii: ":"), "':'")
                try skipValue(depth: depth - 1)
            } while try nextItem(closing: UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            position += 1
            if consume(UInt8(ascii: "]")) {
                return
            }
            repeat {
                try skipValue(depth: depth - 1)
            } while try nextItem(closing: UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            let token = try readString()
            if token.hasEscapes {
                var scratch: [UInt8] = []
                try decodeString(token, into: &scratch)
            } else {
                try checkUTF8(token.range)
            }
        case UInt8(ascii: "t"): try readLiteral("true")
        case UInt8(ascii: "f"): try readLiteral("false")
        case UInt8(ascii: "n"): try readLiteral("null")
        case nil: throw syntaxError("unexpected end of input")
        default: _ = try readNumber()
        }
    }

    /// Checks that raw string contents are valid UTF-8.
    @inline(__always)
    func checkUTF8(_ range: Range<Int>) throws(ProtoJSONError) {
        do {
            try UTF8Validation.validate(source, range)
        } catch {
            throw ProtoJSONError(reason: "invalid UTF-8 in a string")
        }
    }

    /// Appends a string token's decoded UTF-8: escapes resolved, `\uD83D\uDE00` pairs joined.
    /// - Throws: On a bad escape, a lone surrogate (protobuf strings must be valid Unicode,
    ///   https://protobuf.dev/programming-guides/json/), or invalid UTF-8.
    func decodeString(_ token: StringToken, into out: inout [UInt8]) throws(ProtoJSONError) {
        if !token.hasEscapes {
            try checkUTF8(token.range)
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: source[token.range]))
            return
        }
        var index = token.range.lowerBound
        let end = token.range.upperBound
        var runStart = index
        while index < end {
            let byte = source[index]
            if byte != UInt8(ascii: "\\") {
                if byte < 0x80 {
                    index += 1
                } else {
                    do {
                        index = try UTF8Validation.skipScalar(source, at: index, end: end)
                    } catch {
                        throw ProtoJSONError(reason: "invalid UTF-8 in a string")
                    }
                }
                continue
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: source[runStart..<index]))
            guard index + 1 < end else {
                throw ProtoJSONError(reason: "invalid escape in a string")
            }
            let escape = source[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: index, end: end)
                index += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard index + 6 <= end, source[index] == UInt8(ascii: "\\"), source[index + 1] == UInt8(ascii: "u")
                    else {
                        throw ProtoJSONError(reason: "lone surrogate \\u\(String(scalar, radix: 16)) in a string")
                    }
                    let low = try hex4(at: index + 2, end: end)
                    guard low >= 0xDC00 && low <= 0xDFFF else {
                        throw ProtoJSONError(reason: "lone surrogate \\u\(String(scalar, radix: 16)) in a string")
                    }
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    throw ProtoJSONError(reason: "lone surrogate \\u\(String(scalar, radix: 16)) in a string")
                }
                JSONScanner.appendUTF8(scalar, to: &out)
            default:
                throw ProtoJSONError(reason: "invalid escape in a string")
            }
            runStart = index
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: source[runStart..<end]))
    }

    /// Reads four hex digits.
    private func hex4(at index: Int, end: Int) throws(ProtoJSONError) -> UInt32 {
        guard index + 4 <= end else {
            throw ProtoJSONError(reason: "invalid \\u escape in a string")
        }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = source[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw ProtoJSONError(reason: "invalid \\u escape in a string")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Appends one Unicode scalar as UTF-8.
    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// A syntax error at the current position (a 1-based line and column would need a second pass;
    /// the byte offset is exact and cheap).
    func syntaxError(_ what: String) -> ProtoJSONError {
        ProtoJSONError(reason: "invalid JSON at byte \(position): \(what)")
    }

    /// Up to 40 bytes of the next value's text, for error messages (`got "abc"`).
    mutating func excerpt() -> String {
        skipWhitespace()
        var end = position
        if end < source.count && source[end] == UInt8(ascii: "\"") {
            end += 1
            while end < source.count && source[end] != UInt8(ascii: "\"") {
                end += source[end] == UInt8(ascii: "\\") ? 2 : 1
            }
            end = min(end + 1, source.count)
        } else {
            while end < source.count && !",}] \n\r\t".utf8.contains(source[end]) {
                end += 1
            }
        }
        let text = String(
            decoding: UnsafeRawBufferPointer(rebasing: source[position..<min(end, position + 40)]),
            as: UTF8.self
        )
        return end - position > 40 ? text + "…" : text
    }
}
