/// Writes JSON text into a byte array: punctuation with optional indentation, escaped strings,
/// integers, and the float forms of ``NumberFormatting``.
///
/// The layout copies what the reference produces (Python `json.dumps` of `json_format.MessageToDict`:
/// compact `,` and `:` with no indent; with an indent, one member per line and `": "`, empty
/// containers as `{}` and `[]`), so output can be compared byte for byte.
struct JSONWriter {
    /// The output so far.
    var bytes: [UInt8]
    /// Spaces per level; 0 for compact output.
    let indent: Int
    /// The current container depth, for indentation.
    var depth = 0

    /// Creates a writer that appends to `bytes`.
    init(bytes: [UInt8], indent: Int) {
        self.bytes = bytes
        self.indent = indent
    }

    /// Opens an object or array (`{` or `[`).
    @inline(__always)
    mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
    }

    /// Closes an object or array; `empty` says whether anything was written inside, as an empty
    /// container stays on one line (`{}`).
    @inline(__always)
    mutating func close(_ bracket: UInt8, empty: Bool) {
        depth -= 1
        if indent > 0 && !empty {
            newline()
        }
        bytes.append(bracket)
    }

    /// Starts a list element: a comma after the first, then the line break when indenting.
    @inline(__always)
    mutating func element(first: inout Bool) {
        if !first {
            bytes.append(UInt8(ascii: ","))
        }
        first = false
        if indent > 0 {
            newline()
        }
    }

    /// Starts an object member: separator, then `key` (already quoted and escaped), then the colon.
    @inline(__always)
    mutating func member(first: inout Bool, quotedKey: [UInt8]) {
        element(first: &first)
        bytes.append(contentsOf: quotedKey)
        colon()
    }

    /// Writes the key/value separator: `:` compact, `: ` indented.
    @inline(__always)
    mutating func colon() {
        bytes.append(UInt8(ascii: ":"))
        if indent > 0 {
            bytes.append(UInt8(ascii: " "))
        }
    }

    /// A line break and the current depth's indentation.
    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        let count = indent * depth
        if count > 0 {
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
        }
    }

    /// Appends ASCII text as is.
    @inline(__always)
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends a signed integer in decimal.
    @inline(__always)
    mutating func integer(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            unsigned(value.magnitude)
        } else {
            unsigned(UInt64(value))
        }
    }

    /// Appends an unsigned integer in decimal.
    @inline(__always)
    mutating func unsigned(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        withUnsafeMutableBytes(of: &digits) { buffer in
            let start = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let end = JSONWriter.digitPairs.withUnsafeBufferPointer { pairs in
                JSONWriter.writeDecimal(value, to: start, pairs: pairs.baseAddress!)
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: end - start))
        }
    }

    /// "00", "01", … "99": two digits per division when printing integers.
    private static let digitPairs: [UInt8] = (0..<100).flatMap {
        [UInt8(ascii: "0") + UInt8($0 / 10), UInt8(ascii: "0") + UInt8($0 % 10)]
    }

    /// The number of decimal digits of `value`, by a few comparisons (a binary search over the
    /// powers of ten up to 10^10, a loop above).
    @inline(__always)
    static func decimalDigitCount(_ value: UInt64) -> Int {
        if value < 100_000 {
            if value < 100 {
                return value < 10 ? 1 : 2
            }
            if value < 10_000 {
                return value < 1000 ? 3 : 4
            }
            return 5
        }
        if value < 10_000_000_000 {
            if value < 10_000_000 {
                return value < 1_000_000 ? 6 : 7
            }
            if value < 1_000_000_000 {
                return value < 100_000_000 ? 8 : 9
            }
            return 10
        }
        var count = 11
        var threshold: UInt64 = 100_000_000_000
        while count < 20 && value >= threshold {
            count += 1
            threshold = threshold &* 10
        }
        return count
    }

    /// Writes `value` in decimal at `start` and returns the position after the last digit.
    /// - Parameter pairs: ``digitPairs``' storage, fetched once by the caller's loop.
    @inline(__always)
    static func writeDecimal(
        _ value: UInt64,
        to start: UnsafeMutablePointer<UInt8>,
        pairs: UnsafePointer<UInt8>
    ) -> UnsafeMutablePointer<UInt8> {
        let end = start + decimalDigitCount(value)
        var cursor = end
        var rest = value
        do {
            while rest >= 100 {
                let quotient = rest / 100
                let pair = Int(rest &- quotient &* 100) &* 2
                cursor -= 2
                cursor[0] = pairs[pair]
                cursor[1] = pairs[pair &+ 1]
                rest = quotient
            }
            if rest >= 10 {
                let pair = Int(rest) &* 2
                cursor -= 2
                cursor[0] = pairs[pair]
                cursor[1] = pairs[pair &+ 1]
            } else {
                cursor -= 1
                cursor[0] = UInt8(ascii: "0") &+ UInt8(rest)
            }
        }
        return end
    }

    /// Appends a packed run of varint integers (`int32`, `int64`, `uint32`, `uint64`, `sint32`,
    /// `sint64`) as comma-separated JSON numbers (quoted for 64-bit types), compact layout only.
    ///
    /// The hot case of large numeric arrays: it formats a chunk of elements into a stack buffer
    /// and appends the chunk with one copy, instead of appending byte by byte.
    /// - Parameter first: Whether no element has been written to this array yet; updated.
    /// - Returns: How many elements were written.
    mutating func packedIntegers(
        _ kind: FieldKind,
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        first: inout Bool
    ) throws(ProtoJSONError) -> Int {
        let quoted = kind == .int64 || kind == .uint64 || kind == .sint64
        let is32Bit = !quoted
        let chunk = 512
        let reserve = chunk * 24  // ',' '"' '-' 20 digits '"'
        var position = range.lowerBound
        let end = range.upperBound
        var total = 0
        var failed = false
        var isFirst = first
        let table = JSONWriter.digitPairs
        while position < end && !failed {
            table.withUnsafeBufferPointer { pairTable in
                let pairs = pairTable.baseAddress!
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: reserve) { buffer in
                    let origin = buffer.baseAddress!
                    var out = origin
                    var written = 0
                    while written < chunk && position < end {
                        var value: UInt64 = 0
                        var shift: UInt64 = 0
                        if is32Bit && end - position >= 10 {
                            // 32-bit kinds need only the low 5 groups of 7 bits: take them from one 8-byte load
                            // and find the varint's end from its continuation bits.
                            let word = UInt64(
                                littleEndian: source.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                            )
                            let stops = ~word & 0x8080_8080_8080_8080
                            let length: Int
                            if stops != 0 {
                                length = stops.trailingZeroBitCount >> 3 + 1
                            } else if source[position + 8] < 0x80 {
                                length = 9
                            } else if source[position + 9] < 0x80 {
                                length = 10
                            } else {
                                failed = true
                                break
                            }
                            let groups =
                                (word & 0x7F) | (word >> 1 & 0x3F80) | (word >> 2 & 0x1F_C000)
                                | (word >> 3 & 0xFE0_0000) | (word >> 4 & 0x7_F000_0000)
                            value = length >= 5 ? groups : groups & ((1 << UInt64(7 * length)) - 1)
                            position += length
                        } else {
                            while true {
                                guard position < end && shift <= 63 else {
                                    failed = true
                                    break
                                }
                                let byte = source[position]
                                position += 1
                                value |= UInt64(byte & 0x7F) << shift
                                if byte < 0x80 {
                                    break
                                }
                                shift += 7
                            }
                        }
                        if failed {
                            break
                        }
                        if !isFirst {
                            out.pointee = UInt8(ascii: ",")
                            out += 1
                        }
                        isFirst = false
                        if quoted {
                            out.pointee = UInt8(ascii: "\"")
                            out += 1
                        }
                        var negative = false
                        let magnitude: UInt64
                        switch kind {
                        case .int32:
                            let signed = Int32(truncatingIfNeeded: value)
                            negative = signed < 0
                            magnitude = UInt64(signed.magnitude)
                        case .int64:
                            let signed = Int64(bitPattern: value)
                            negative = signed < 0
                            magnitude = signed.magnitude
                        case .uint32:
                            magnitude = UInt64(UInt32(truncatingIfNeeded: value))
                        case .sint32:
                            let raw = UInt32(truncatingIfNeeded: value)
                            let signed = Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
                            negative = signed < 0
                            magnitude = UInt64(signed.magnitude)
                        case .sint64:
                            let signed = Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
                            negative = signed < 0
                            magnitude = signed.magnitude
                        default:
                            magnitude = value
                        }
                        if negative {
                            out.pointee = UInt8(ascii: "-")
                            out += 1
                        }
                        out = JSONWriter.writeDecimal(magnitude, to: out, pairs: pairs)
                        if quoted {
                            out.pointee = UInt8(ascii: "\"")
                            out += 1
                        }
                        written += 1
                    }
                    total += written
                    bytes.append(contentsOf: UnsafeBufferPointer(start: origin, count: out - origin))
                }
            }
        }
        first = isFirst
        if failed {
            throw ProtoJSONError(reason: "invalid wire data: truncated varint in a packed field")
        }
        return total
    }

    /// Appends a quoted integer, as ProtoJSON writes 64-bit types (`"123"`).
    mutating func quotedInteger(_ value: Int64) {
        bytes.append(UInt8(ascii: "\""))
        integer(value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a quoted unsigned integer.
    mutating func quotedUnsigned(_ value: UInt64) {
        bytes.append(UInt8(ascii: "\""))
        unsigned(value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a JSON string from UTF-8 bytes, escaped as Python's `json.dumps(ensure_ascii=False)`
    /// does: `"` `\` and the control characters below U+0020 (short forms `\n \r \t \b \f`, else
    /// `\u00xx`); everything else, DEL and non-ASCII included, as is.
    /// - Throws: When the bytes are not valid UTF-8 (a protobuf `string` must be).
    mutating func string(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = range.lowerBound
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let byte = source[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                if byte < 0x80 {
                    index += 1
                } else {
                    index = try UTF8Validation.skipScalar(source, at: index, end: end)
                }
                continue
            }
            if runStart < index {
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: source[runStart..<index]))
            }
            escape(byte)
            index += 1
            runStart = index
        }
        if runStart < end {
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: source[runStart..<end]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a Swift string as a JSON string (keys, names, enum names: valid UTF-8 by type).
    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            // Swift strings are always valid UTF-8, so this cannot throw.
            try? string(UnsafeRawBufferPointer(buffer), 0..<buffer.count)
        }
    }

    /// Appends the escape sequence for one ASCII byte that must not appear raw.
    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(hex.utf8Start[Int(byte >> 4)])
            bytes.append(hex.utf8Start[Int(byte & 15)])
        }
    }

    /// The quoted, escaped form of a key, computed once per field name.
    static func quoted(_ text: String) -> [UInt8] {
        var writer = JSONWriter(bytes: [], indent: 0)
        writer.string(text)
        return writer.bytes
    }
}

/// UTF-8 well-formedness (https://www.rfc-editor.org/rfc/rfc3629#section-4): no overlong forms, no
/// surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    /// Checks the multi-byte scalar starting at `index` and returns the index after it.
    /// - Throws: When the bytes there are not one valid scalar.
    @inline(__always)
    static func skipScalar(_ source: UnsafeRawBufferPointer, at index: Int, end: Int) throws(ProtoJSONError) -> Int {
        let lead = source[index]
        let count: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0:
            count = 3
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED:
            count = 3
            upper = 0x9F
        case 0xF0:
            count = 4
            lower = 0x90
        case 0xF1...0xF3: count = 4
        case 0xF4:
            count = 4
            upper = 0x8F
        default: throw invalid
        }
        guard end - index >= count else { throw invalid }
        let second = source[index + 1]
        guard second >= lower && second <= upper else { throw invalid }
        var position = index + 2
        while position < index + count {
            guard source[position] & 0xC0 == 0x80 else { throw invalid }
            position += 1
        }
        return position
    }

    /// Whether the whole range is valid UTF-8.
    static func validate(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        var index = range.lowerBound
        while index < range.upperBound {
            if source[index] < 0x80 {
                index += 1
            } else {
                index = try skipScalar(source, at: index, end: range.upperBound)
            }
        }
    }

    /// The error for malformed UTF-8 in a `string` field.
    static var invalid: ProtoJSONError {
        ProtoJSONError(reason: "string field contains invalid UTF-8")
    }
}
