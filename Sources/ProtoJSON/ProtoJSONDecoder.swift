public import Schema

/// Converts ProtoJSON text (https://protobuf.dev/programming-guides/json/) to protobuf wire bytes,
/// driven by a ``DescriptorPool`` loaded at run time.
///
/// It scans the JSON and writes wire bytes as it goes, with no intermediate tree: a nested message
/// gets a one-byte length placeholder that is patched (widened if needed) when the message ends.
/// Input is read as leniently as ProtoJSON allows: `.proto` and lowerCamel names, numbers as strings
/// or with exponents, enum names or numbers, both base64 alphabets with or without padding, `null`
/// as "unset". Every error names the field path and what was wrong
/// (`items[0].quantity: expected an integer, got "abc"`).
///
/// ```swift
/// let decoder = ProtoJSONDecoder(pool: pool)
/// var wire: [UInt8] = []
/// try body.withUnsafeBytes { try decoder.decode(messageIndex: method.inputIndex, json: $0, into: &wire) }
/// ```
public struct ProtoJSONDecoder: Sendable {
    /// The schema the JSON is read with.
    public let pool: DescriptorPool
    /// Input options (``ProtoJSONOptions/ignoreUnknownFields``, ``ProtoJSONOptions/maxDepth``).
    public let options: ProtoJSONOptions
    /// The pool laid out for the codec.
    let tables: CodecTables

    /// Creates a decoder. Lays out per-field tables for the whole pool once, so make one decoder
    /// per pool and share it.
    public init(pool: DescriptorPool, options: ProtoJSONOptions = ProtoJSONOptions()) {
        self.pool = pool
        self.options = options
        self.tables = CodecTables(pool: pool)
    }

    /// Creates a decoder that shares a codec's tables (see ``ProtoJSONCodec``).
    init(tables: CodecTables, options: ProtoJSONOptions) {
        self.pool = tables.pool
        self.options = options
        self.tables = tables
    }

    /// Appends the wire bytes of the message a JSON text describes.
    /// - Parameters:
    ///   - messageIndex: The message type, an index into ``DescriptorPool/messages``.
    ///   - json: One JSON value (an object for most messages; other forms for well-known types),
    ///     with only whitespace around it.
    ///   - output: Where the wire bytes are appended.
    /// - Throws: ``ProtoJSONError`` naming the field path. `output` then holds a partial result.
    public func decode(
        messageIndex: Int,
        json: UnsafeRawBufferPointer,
        into output: inout [UInt8]
    ) throws(ProtoJSONError) {
        var run = DecoderRun(tables: tables, options: options, source: json)
        swap(&run.out, &output)
        defer { swap(&run.out, &output) }
        try run.topLevel(messageIndex)
    }

    /// Returns the wire bytes of the message a JSON text describes; see
    /// ``decode(messageIndex:json:into:)``.
    public func decode(messageIndex: Int, json: [UInt8]) throws(ProtoJSONError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(json.count)
        try withRawBytes(json) { (buffer) throws(ProtoJSONError) in
            try decode(messageIndex: messageIndex, json: buffer, into: &output)
        }
        return output
    }

    /// Starts an incremental decode: feed the body in pieces as they arrive, then ``Incremental/finish(into:)``.
    public func incremental(messageIndex: Int) -> Incremental {
        Incremental(decoder: self, messageIndex: messageIndex)
    }

    /// A decode fed in pieces (a request body arriving in chunks).
    ///
    /// Every piece is checked for JSON syntax as it arrives (``ResumableJSONScanner``), so a
    /// malformed body fails at its first bad byte and ``isComplete`` tells when the value has
    /// ended; pieces can be split anywhere, even inside a UTF-8 sequence or an escape. The
    /// conversion to wire bytes runs at ``finish(into:)``: an object's members may come in any
    /// order (`@type` last in an `Any`), and request bodies are bounded, so one pass over the
    /// whole text is simpler and faster than resuming the conversion itself.
    public struct Incremental: Sendable {
        /// The decoder to run at the end.
        let decoder: ProtoJSONDecoder
        /// The message type.
        let messageIndex: Int
        /// The text so far.
        private var buffered: [UInt8] = []
        /// The syntax check so far.
        private var syntax: ResumableJSONScanner

        /// Creates an incremental decode.
        init(decoder: ProtoJSONDecoder, messageIndex: Int) {
            self.decoder = decoder
            self.messageIndex = messageIndex
            self.syntax = ResumableJSONScanner(maxDepth: decoder.options.maxDepth)
        }

        /// Whether a complete JSON value has arrived (trailing whitespace may still follow).
        public var isComplete: Bool {
            syntax.isComplete
        }

        /// Adds the next piece of the JSON text.
        /// - Throws: ``ProtoJSONError`` when the text so far cannot be the start of valid JSON.
        public mutating func feed(_ piece: UnsafeRawBufferPointer) throws(ProtoJSONError) {
            try syntax.feed(piece)
            buffered.append(contentsOf: piece)
        }

        /// Adds the next piece of the JSON text; see ``feed(_:)-(UnsafeRawBufferPointer)``.
        public mutating func feed(_ piece: [UInt8]) throws(ProtoJSONError) {
            try withRawBytes(piece) { (buffer) throws(ProtoJSONError) in
                try feed(buffer)
            }
        }

        /// Converts the whole text and appends the wire bytes.
        /// - Throws: ``ProtoJSONError`` as ``ProtoJSONDecoder/decode(messageIndex:json:into:)``,
        ///   or when the text ended before the value did.
        public mutating func finish(into output: inout [UInt8]) throws(ProtoJSONError) {
            try syntax.finish()
            try withRawBytes(buffered) { (buffer) throws(ProtoJSONError) in
                try decoder.decode(messageIndex: messageIndex, json: buffer, into: &output)
            }
        }
    }
}

/// Which fields of one JSON object have been seen, to reject duplicates.
struct SeenFields {
    /// Bits for the first 64 fields.
    private var small: UInt64 = 0
    /// Flags for messages with more than 64 fields.
    private var large: [Bool]

    /// A set for a message with `count` fields.
    init(count: Int) {
        large = count > 64 ? Array(repeating: false, count: count) : []
    }

    /// Marks `position` seen; returns `false` if it already was.
    @inline(__always)
    mutating func insert(_ position: Int) -> Bool {
        if large.isEmpty {
            let bit: UInt64 = 1 << UInt64(position)
            defer { small |= bit }
            return small & bit == 0
        }
        defer { large[position] = true }
        return !large[position]
    }
}

/// The state of one decode call: the scanner over the JSON and the wire bytes written so far.
struct DecoderRun {
    /// The pool's codec tables.
    let tables: CodecTables
    /// Input options.
    let options: ProtoJSONOptions
    /// The JSON being read.
    var scanner: JSONScanner
    /// The wire bytes being written.
    var out: [UInt8] = []
    /// Current message nesting (every message, well-known types included, counts one).
    var depth = 0
    /// Reused buffer for strings with escapes.
    var scratch: [UInt8] = []
    /// Write default values too (``FieldValueEncoder``: a left-out field would not override the
    /// body's value when the bytes are merged).
    var explicitDefaults = false

    /// Starts a run over `source`.
    init(tables: CodecTables, options: ProtoJSONOptions, source: UnsafeRawBufferPointer) {
        self.tables = tables
        self.options = options
        self.scanner = JSONScanner(source)
    }

    /// Decodes the one top-level value and checks nothing but whitespace follows.
    mutating func topLevel(_ index: Int) throws(ProtoJSONError) {
        if scanner.peek() == UInt8(ascii: "n"), tables.messages[index].wellKnownType != .value {
            var probe = scanner
            if (try? probe.readLiteral("null")) != nil {
                throw ProtoJSONError(reason: "expected an object for \(tables.messages[index].fullName), got null")
            }
        }
        try messageValue(index)
        guard scanner.isAtEnd() else {
            throw scanner.syntaxError("unexpected text after the JSON value")
        }
    }

    /// Writes the fields of message `index` (no tag, no length) from the JSON value at the scanner.
    mutating func messageValue(_ index: Int) throws(ProtoJSONError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= options.maxDepth else {
            throw ProtoJSONError(reason: "message nesting exceeds the limit of \(options.maxDepth)")
        }
        if let wellKnownType = tables.messages[index].wellKnownType {
            switch wellKnownType {
            case .any: return try anyValue()
            case .timestamp: return try timestampValue()
            case .duration: return try durationValue()
            case .fieldMask: return try fieldMaskValue()
            case .struct: return try structValue()
            case .value: return try valueValue()
            case .listValue: return try listValueValue()
            case .empty: break
            default: return try wrapperValue(index)
            }
        }
        try objectFields(index, isAny: false)
    }

    /// Reads a JSON object as the fields of message `index`.
    /// - Parameter isAny: The object is an `Any`'s: its `@type` member is skipped.
    mutating func objectFields(_ index: Int, isAny: Bool) throws(ProtoJSONError) {
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw mismatch("an object")
        }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "}")) {
            return
        }
        let table = tables.messages[index]
        var seen = SeenFields(count: table.fields.count)
        var oneofSeen: [Bool] = table.realOneofCount > 0 ? Array(repeating: false, count: table.realOneofCount) : []
        repeat {
            let key = try scanner.readString()
            try scanner.expect(UInt8(ascii: ":"), "':'")
            let position: Int?
            if key.hasEscapes {
                scratch.removeAll(keepingCapacity: true)
                try scanner.decodeString(key, into: &scratch)
                position = try withRawBytes(scratch) { (buffer) throws(ProtoJSONError) in
                    table.names.lookup(buffer, 0..<buffer.count)
                }
            } else {
                position = table.names.lookup(scanner.source, key.range)
            }
            guard let position else {
                if isAny && keyText(key) == "@type" {
                    _ = try scanner.readString()
                    continue
                }
                if !key.hasEscapes {
                    try scanner.checkUTF8(key.range)
                }
                guard options.ignoreUnknownFields else {
                    throw ProtoJSONError(fieldPath: keyText(key), reason: "unknown field of \(table.fullName)")
                }
                try scanner.skipValue(depth: options.maxDepth - depth)
                continue
            }
            guard seen.insert(position) else {
                throw ProtoJSONError(fieldPath: keyText(key), reason: "field given more than once")
            }
            let field = table.fields[position]
            if field.oneof >= 0 && scanner.peek() != UInt8(ascii: "n") {
                guard !oneofSeen[field.oneof] else {
                    throw ProtoJSONError(fieldPath: keyText(key), reason: "a second member of the same oneof is set")
                }
                oneofSeen[field.oneof] = true
            }
            do {
                try self.field(field)
            } catch {
                throw error.prefixed(with: keyText(key))
            }
        } while try scanner.nextItem(closing: UInt8(ascii: "}"))
    }

    /// A key's text, for error paths.
    func keyText(_ key: JSONScanner.StringToken) -> String {
        var bytes: [UInt8] = []
        if (try? scanner.decodeString(key, into: &bytes)) == nil {
            bytes = Array(UnsafeRawBufferPointer(rebasing: scanner.source[key.range]))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// "expected X, got Y" for the value at the scanner.
    mutating func mismatch(_ expected: String) -> ProtoJSONError {
        ProtoJSONError(reason: "expected \(expected), got \(scanner.excerpt())")
    }

    /// Writes one field's value (tags included) from the JSON value at the scanner.
    mutating func field(_ field: FieldTable) throws(ProtoJSONError) {
        if scanner.peek() == UInt8(ascii: "n") {
            try scanner.readLiteral("null")
            // null leaves a field unset, except where null is a value: Value and NullValue.
            if !field.isRepeated {
                if field.kind == .message && tables.messages[field.messageIndex].wellKnownType == .value {
                    WireWriter.appendTag(number: field.number, wireType: 2, to: &out)
                    out.append(contentsOf: [2, 0x08, 0x00])
                } else if field.isNullValue && field.hasPresence {
                    WireWriter.appendTag(number: field.number, wireType: 0, to: &out)
                    out.append(0)
                }
            }
            return
        }
        if field.isMap {
            try map(field)
        } else if field.isRepeated {
            try list(field)
        } else if field.kind == .message {
            try nestedMessage(field)
        } else if field.kind == .group {
            try group(field)
        } else {
            _ = try scalar(field, writeTag: true, skipDefault: !field.hasPresence && !explicitDefaults)
        }
    }

    /// Writes a length-delimited sub-message.
    @inline(__always)
    mutating func nestedMessage(_ field: FieldTable) throws(ProtoJSONError) {
        WireWriter.appendTag(number: field.number, wireType: 2, to: &out)
        let body = WireWriter.beginLengthDelimited(&out)
        try messageValue(field.messageIndex)
        WireWriter.endLengthDelimited(body, to: &out)
    }

    /// Writes a proto2 group: start tag, fields, end tag.
    mutating func group(_ field: FieldTable) throws(ProtoJSONError) {
        WireWriter.appendTag(number: field.number, wireType: 3, to: &out)
        try messageValue(field.messageIndex)
        WireWriter.appendTag(number: field.number, wireType: 4, to: &out)
    }

    /// Reads a JSON array into a repeated field: packed for packable types marked packed, one tag
    /// per element otherwise. `null` elements are errors except in `repeated Value`.
    mutating func list(_ field: FieldTable) throws(ProtoJSONError) {
        guard scanner.peek() == UInt8(ascii: "[") else {
            throw mismatch("an array")
        }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "]")) {
            return
        }
        let packed = field.isPacked && field.type.isPackable
        let listStart = out.count
        var body = 0
        if packed {
            WireWriter.appendTag(number: field.number, wireType: 2, to: &out)
            body = WireWriter.beginLengthDelimited(&out)
        }
        var index = 0
        repeat {
            do throws(ProtoJSONError) {
                if scanner.peek() == UInt8(ascii: "n") {
                    guard field.kind == .message && tables.messages[field.messageIndex].wellKnownType == .value else {
                        throw ProtoJSONError(reason: "null is not allowed in a list")
                    }
                    try scanner.readLiteral("null")
                    WireWriter.appendTag(number: field.number, wireType: 2, to: &out)
                    out.append(contentsOf: [2, 0x08, 0x00])
                } else if field.kind == .message {
                    try nestedMessage(field)
                } else if field.kind == .group {
                    try group(field)
                } else {
                    _ = try scalar(field, writeTag: !packed, skipDefault: false)
                }
            } catch {
                throw error.prefixed(with: "[\(index)]")
            }
            index += 1
        } while try scanner.nextItem(closing: UInt8(ascii: "]"))
        if packed {
            if out.count == body {
                out.removeSubrange(listStart...)
            } else {
                WireWriter.endLengthDelimited(body, to: &out)
            }
        }
    }

    /// Reads a JSON object into a map field: one entry message per member, key as field 1 (parsed
    /// from the member name), value as field 2. A key given twice is an error, as in the reference.
    mutating func map(_ field: FieldTable) throws(ProtoJSONError) {
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw mismatch("an object")
        }
        scanner.position += 1
        if scanner.consume(UInt8(ascii: "}")) {
            return
        }
        let entryTable = tables.messages[field.messageIndex]
        let keyField = entryTable.fields[entryTable.fieldPosition(number: 1)]
        let valueField = entryTable.fields[entryTable.fieldPosition(number: 2)]
        let valueIsValue =
            valueField.kind == .message && tables.messages[valueField.messageIndex].wellKnownType == .value
        var keys = Set<[UInt8]>()
        repeat {
            let keyToken = try scanner.readString()
            try scanner.expect(UInt8(ascii: ":"), "':'")
            var key: [UInt8] = []
            try scanner.decodeString(keyToken, into: &key)
            guard keys.insert(key).inserted else {
                throw ProtoJSONError(
                    fieldPath: "[\(String(decoding: key, as: UTF8.self))]",
                    reason: "map key given more than once"
                )
            }
            let entryStart = out.count
            do throws(ProtoJSONError) {
                WireWriter.appendTag(number: field.number, wireType: 2, to: &out)
                let body = WireWriter.beginLengthDelimited(&out)
                try mapKey(keyField, key)
                if scanner.peek() == UInt8(ascii: "n") {
                    guard valueIsValue else {
                        throw ProtoJSONError(reason: "null is not allowed as a map value")
                    }
                    try scanner.readLiteral("null")
                    out.append(contentsOf: [0x12, 2, 0x08, 0x00])
                } else if valueField.kind == .message {
                    try nestedMessage(valueField)
                } else if try !scalar(valueField, writeTag: true, skipDefault: false) {
                    out.removeSubrange(entryStart...)  // an unknown enum name, ignored: no entry
                    continue
                }
                WireWriter.endLengthDelimited(body, to: &out)
            } catch {
                throw error.prefixed(with: "[\(String(decoding: key, as: UTF8.self))]")
            }
        } while try scanner.nextItem(closing: UInt8(ascii: "}"))
    }

    /// Writes a map key (field 1) parsed from a JSON member name.
    mutating func mapKey(_ field: FieldTable, _ key: [UInt8]) throws(ProtoJSONError) {
        switch field.kind {
        case .string:
            WireWriter.appendTag(number: 1, wireType: 2, to: &out)
            WireWriter.appendVarint(UInt64(key.count), to: &out)
            out.append(contentsOf: key)
        case .bool:
            let text = String(decoding: key, as: UTF8.self)
            guard text == "true" || text == "false" else {
                throw ProtoJSONError(reason: "expected a map key of \"true\" or \"false\", got \"\(text)\"")
            }
            WireWriter.appendTag(number: 1, wireType: 0, to: &out)
            out.append(text == "true" ? 1 : 0)
        default:
            let integer = try withRawBytes(key) { (buffer) throws(ProtoJSONError) in
                try NumberParsing.integer(buffer, 0..<buffer.count, allowLeadingZeros: true)
            }
            WireWriter.appendTag(number: 1, wireType: field.wireType, to: &out)
            try writeInteger(field, integer)
        }
    }

    /// Reads one scalar, enum, string or bytes value and writes it.
    /// - Parameters:
    ///   - writeTag: Write the field's tag first (not for elements of a packed list).
    ///   - skipDefault: Write nothing for the type's default value (implicit presence).
    /// - Returns: `false` when the value was an enum name the schema does not know and unknown
    ///   names are being ignored: nothing was written.
    mutating func scalar(_ field: FieldTable, writeTag: Bool, skipDefault: Bool) throws(ProtoJSONError) -> Bool {
        switch field.kind {
        case .int32, .int64, .uint32, .uint64, .sint32, .sint64, .fixed32, .fixed64, .sfixed32, .sfixed64:
            let integer = try integerToken()
            if skipDefault && integer.magnitude == 0 {
                try checkRange(field, integer)
                return true
            }
            if writeTag {
                WireWriter.appendTag(number: field.number, wireType: field.wireType, to: &out)
            }
            try writeInteger(field, integer)
        case .float, .double:
            let value = try floatingToken(isFloat: field.kind == .float)
            if skipDefault && value.bitPattern == 0 {
                return true
            }
            if writeTag {
                WireWriter.appendTag(number: field.number, wireType: field.wireType, to: &out)
            }
            if field.kind == .float {
                WireWriter.appendFixed32(Float(value).bitPattern, to: &out)
            } else {
                WireWriter.appendFixed64(value.bitPattern, to: &out)
            }
        case .bool:
            let value: Bool
            switch scanner.peek() {
            case UInt8(ascii: "t"):
                try scanner.readLiteral("true")
                value = true
            case UInt8(ascii: "f"):
                try scanner.readLiteral("false")
                value = false
            default:
                throw mismatch("true or false")
            }
            if skipDefault && !value {
                return true
            }
            if writeTag {
                WireWriter.appendTag(number: field.number, wireType: 0, to: &out)
            }
            out.append(value ? 1 : 0)
        case .string:
            guard scanner.peek() == UInt8(ascii: "\"") else {
                throw mismatch("a string")
            }
            let token = try scanner.readString()
            if skipDefault && token.range.isEmpty {
                return true
            }
            if writeTag {
                WireWriter.appendTag(number: field.number, wireType: 2, to: &out)
            }
            if token.hasEscapes {
                scratch.removeAll(keepingCapacity: true)
                try scanner.decodeString(token, into: &scratch)
                WireWriter.appendVarint(UInt64(scratch.count), to: &out)
                out.append(contentsOf: scratch)
            } else {
                try scanner.checkUTF8(token.range)
                WireWriter.appendVarint(UInt64(token.range.count), to: &out)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: scanner.source[token.range]))
            }
        case .bytes:
            guard scanner.peek() == UInt8(ascii: "\"") else {
                throw mismatch("a base64 string")
            }
            let token = try scanner.readString()
            if skipDefault && token.range.isEmpty {
                return true
            }
            if writeTag {
                WireWriter.appendTag(number: field.number, wireType: 2, to: &out)
            }
            if token.hasEscapes {
                scratch.removeAll(keepingCapacity: true)
                try scanner.decodeString(token, into: &scratch)
                try withRawBytes(scratch) { (buffer) throws(ProtoJSONError) in
                    try writeBase64(buffer, 0..<buffer.count)
                }
            } else {
                try writeBase64(scanner.source, token.range)
            }
        case .enumeration:
            guard let number = try enumToken(field) else {
                return false
            }
            if skipDefault && number == 0 {
                return true
            }
            if writeTag {
                WireWriter.appendTag(number: field.number, wireType: 0, to: &out)
            }
            WireWriter.appendVarint(UInt64(bitPattern: Int64(number)), to: &out)
        case .message, .group:
            preconditionFailure("messages are not scalars")
        }
        return true
    }

    /// Writes base64 text as a length-delimited value: the exact decoded length, then the bytes.
    private mutating func writeBase64(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        var end = range.upperBound
        while end > range.lowerBound && source[end - 1] == UInt8(ascii: "=") {
            end -= 1
        }
        let length = Base64.decodedCount(length: end - range.lowerBound)
        WireWriter.appendVarint(UInt64(length), to: &out)
        let start = out.count
        guard Base64.decode(source, range, to: &out), out.count - start == length else {
            throw ProtoJSONError(reason: "invalid base64 in a bytes field")
        }
    }

    /// Reads an integer given as a JSON number or a string holding one.
    @inline(__always)
    mutating func integerToken() throws(ProtoJSONError) -> ParsedInteger {
        guard let byte = scanner.peek() else {
            throw scanner.syntaxError("unexpected end of input")
        }
        let start = scanner.position
        if byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
            if let fast = scanner.plainInteger() {
                return fast
            }
            let (range, _) = try scanner.readNumber()
            do {
                return try NumberParsing.integer(scanner.source, range, allowLeadingZeros: false)
            } catch {
                throw ProtoJSONError(reason: error.reason.replacing("%got", with: excerpt(at: start)))
            }
        }
        if byte == UInt8(ascii: "\"") {
            let token = try scanner.readString()
            do {
                if token.hasEscapes {
                    scratch.removeAll(keepingCapacity: true)
                    try scanner.decodeString(token, into: &scratch)
                    return try withRawBytes(scratch) { (buffer) throws(ProtoJSONError) in
                        try NumberParsing.integer(buffer, 0..<buffer.count, allowLeadingZeros: true)
                    }
                }
                return try NumberParsing.integer(scanner.source, token.range, allowLeadingZeros: true)
            } catch {
                throw ProtoJSONError(reason: error.reason.replacing("%got", with: excerpt(at: start)))
            }
        }
        throw mismatch("an integer")
    }

    /// The text of the value that starts at `position`, for an error message.
    func excerpt(at position: Int) -> String {
        var probe = scanner
        probe.position = position
        return probe.excerpt()
    }

    /// Range-checks an integer for a field's type.
    func checkRange(_ field: FieldTable, _ integer: ParsedInteger) throws(ProtoJSONError) {
        _ = try NumberParsing.bits(for: field.kind, integer)
    }

    /// Writes an integer in the field type's wire encoding (no tag), range-checked.
    mutating func writeInteger(_ field: FieldTable, _ integer: ParsedInteger) throws(ProtoJSONError) {
        let bits = try NumberParsing.bits(for: field.kind, integer)
        switch field.kind {
        case .int32, .int64, .uint32, .uint64, .enumeration:
            WireWriter.appendVarint(bits, to: &out)
        case .sint32:
            WireWriter.appendVarint(WireWriter.zigZag32(Int32(truncatingIfNeeded: bits)), to: &out)
        case .sint64:
            WireWriter.appendVarint(WireWriter.zigZag64(Int64(bitPattern: bits)), to: &out)
        case .fixed32, .sfixed32:
            WireWriter.appendFixed32(UInt32(truncatingIfNeeded: bits), to: &out)
        default:
            WireWriter.appendFixed64(bits, to: &out)
        }
    }

    /// Reads a float or double: a JSON number, or a string holding a number, `NaN`, `Infinity` or
    /// `-Infinity`.
    mutating func floatingToken(isFloat: Bool) throws(ProtoJSONError) -> Double {
        guard let byte = scanner.peek() else {
            throw scanner.syntaxError("unexpected end of input")
        }
        let value: Double
        if byte == UInt8(ascii: "\"") {
            let start = scanner.position
            let token = try scanner.readString()
            var text: [UInt8] = []
            try scanner.decodeString(token, into: &text)
            switch String(decoding: text, as: UTF8.self) {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                let parsed = try withRawBytes(text) { (buffer) throws(ProtoJSONError) -> Double? in
                    guard let end = JSONScanner.numberEnd(buffer, 0, buffer.count), end.end == buffer.count else {
                        return nil
                    }
                    return NumberParsing.double(buffer, 0..<buffer.count, isInteger: end.isInteger)
                }
                guard let parsed else {
                    throw ProtoJSONError(reason: "expected a number, got \(excerpt(at: start))")
                }
                value = parsed
            }
        } else if byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
            let (range, isInteger) = try scanner.readNumber()
            value = NumberParsing.double(scanner.source, range, isInteger: isInteger)
        } else {
            throw mismatch("a number")
        }
        guard value.isFinite else {
            throw ProtoJSONError(reason: "number out of range; write \"Infinity\" or \"-Infinity\" as strings")
        }
        if isFloat && !Float(value).isFinite {
            throw ProtoJSONError(reason: "number \(value) out of range for float")
        }
        return value
    }

    /// Reads an enum value: a name (any alias), a number, or a string holding a number.
    /// - Returns: The number, or `nil` for an unknown name while unknown names are ignored.
    mutating func enumToken(_ field: FieldTable) throws(ProtoJSONError) -> Int32? {
        let table = tables.enums[field.enumIndex]
        let number: Int32
        if scanner.peek() == UInt8(ascii: "\"") {
            let token = try scanner.readString()
            var text: [UInt8] = []
            try scanner.decodeString(token, into: &text)
            let named = try withRawBytes(text) { (buffer) throws(ProtoJSONError) in
                table.names.lookup(buffer, 0..<buffer.count)
            }
            if let named {
                return Int32(named)
            }
            let parsed = try? withRawBytes(text) { (buffer) throws(ProtoJSONError) in
                try NumberParsing.integer(buffer, 0..<buffer.count, allowLeadingZeros: true)
            }
            guard let parsed, let bits = try? NumberParsing.bits(for: .int32, parsed) else {
                if options.ignoreUnknownFields {
                    return nil
                }
                let name = String(decoding: text, as: UTF8.self)
                throw ProtoJSONError(reason: "invalid enum value \"\(name)\" for enum type \(table.fullName)")
            }
            number = Int32(truncatingIfNeeded: bits)
        } else {
            let integer = try integerToken()
            number = Int32(truncatingIfNeeded: try NumberParsing.bits(for: .int32, integer))
        }
        if table.isClosed && table.quotedName(number) == nil {
            throw ProtoJSONError(reason: "invalid enum value \(number) for closed enum type \(table.fullName)")
        }
        return number
    }
}

/// An integer read from JSON: sign and magnitude, before the range check for its field type.
struct ParsedInteger {
    /// Whether it is negative.
    var negative: Bool
    /// The absolute value.
    var magnitude: UInt64
}

/// Number parsing for the decoder: exact for integer text, through `Double` otherwise (as the
/// reference does for `1e2` or `5.0` given to an integer field).
enum NumberParsing {
    /// Parses integer text: plain digits exactly, or any JSON number form whose value is integral.
    /// - Parameter allowLeadingZeros: Whether `007` is accepted (inside strings it is, as the
    ///   reference's `int()` takes it; a bare JSON number never has one).
    /// - Throws: With `%got` in the reason, for the caller to replace with the token's text.
    static func integer(
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        allowLeadingZeros: Bool
    ) throws(ProtoJSONError) -> ParsedInteger {
        var index = range.lowerBound
        var negative = false
        if index < range.upperBound && source[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let digitsStart = index
        var magnitude: UInt64 = 0
        var overflow = false
        while index < range.upperBound, source[index] >= UInt8(ascii: "0"), source[index] <= UInt8(ascii: "9") {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(source[index] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = sum
            index += 1
        }
        if index == range.upperBound && index > digitsStart {
            if overflow {
                throw ProtoJSONError(reason: "integer out of range, got %got")
            }
            return ParsedInteger(negative: negative, magnitude: magnitude)
        }
        // Not plain digits: any JSON number whose value is an integer.
        guard let end = JSONScanner.numberEnd(source, range.lowerBound, range.upperBound), end.end == range.upperBound
        else {
            throw ProtoJSONError(reason: "expected an integer, got %got")
        }
        let value = double(source, range, isInteger: false)
        guard value.isFinite, value == value.rounded(.towardZero) else {
            throw ProtoJSONError(reason: "expected an integer, got %got")
        }
        guard value.magnitude < 18_446_744_073_709_551_616.0 else {
            throw ProtoJSONError(reason: "integer out of range, got %got")
        }
        return ParsedInteger(negative: value < 0, magnitude: UInt64(value.magnitude))
    }

    /// The two's-complement bits of an integer for a field type, range-checked.
    static func bits(for kind: FieldKind, _ integer: ParsedInteger) throws(ProtoJSONError) -> UInt64 {
        let minimum: UInt64  // magnitude of the most negative value allowed
        let maximum: UInt64
        switch kind {
        case .int32, .sint32, .sfixed32, .enumeration:
            minimum = 1 << 31
            maximum = (1 << 31) - 1
        case .uint32, .fixed32:
            minimum = 0
            maximum = UInt64(UInt32.max)
        case .int64, .sint64, .sfixed64:
            minimum = 1 << 63
            maximum = (1 << 63) - 1
        default:
            minimum = 0
            maximum = UInt64.max
        }
        if integer.negative && integer.magnitude != 0 {
            guard integer.magnitude <= minimum else {
                throw ProtoJSONError(reason: "value -\(integer.magnitude) out of range for \(kind)")
            }
            return 0 &- integer.magnitude
        }
        guard integer.magnitude <= maximum else {
            throw ProtoJSONError(reason: "value \(integer.magnitude) out of range for \(kind)")
        }
        return integer.magnitude
    }

    /// Parses JSON number text (already checked against the grammar) as the nearest double.
    @inline(__always)
    static func double(_ source: UnsafeRawBufferPointer, _ range: Range<Int>, isInteger: Bool) -> Double {
        if isInteger && range.count <= 16 {
            // Up to 15 digits (and a sign) convert exactly through Int64.
            var index = range.lowerBound
            let negative = source[index] == UInt8(ascii: "-")
            if negative {
                index += 1
            }
            var value: Int64 = 0
            while index < range.upperBound {
                value = value * 10 + Int64(source[index] - UInt8(ascii: "0"))
                index += 1
            }
            if value < (1 << 53) {
                return negative ? -Double(value) : Double(value)
            }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: source[range]), as: UTF8.self)
        return Double(text) ?? .nan
    }
}
