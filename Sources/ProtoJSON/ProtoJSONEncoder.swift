public import Schema

/// Converts protobuf wire bytes to ProtoJSON text (https://protobuf.dev/programming-guides/json/),
/// driven by a ``DescriptorPool`` loaded at run time.
///
/// It reads the wire bytes and writes JSON directly: no message objects are built. Fields come out
/// in field-number order, as the reference does (Python `json_format`, via `ListFields`); with
/// ``ProtoJSONOptions/alwaysPrintFieldsWithNoPresence`` the unset fields without presence follow in
/// declaration order, again as the reference does. Map and `Struct` entries come out sorted by key,
/// as Go's protojson does (the reference's own order is its hash table's, which no one can
/// reproduce, and the wire order is the sender's); unknown fields are
/// skipped; the last value of a repeated singular field wins and repeated message occurrences
/// merge, as protobuf parsers do.
///
/// ```swift
/// let encoder = ProtoJSONEncoder(pool: pool)
/// var json: [UInt8] = []
/// try wire.withUnsafeBytes { try encoder.encode(messageIndex: method.outputIndex, wireBytes: $0, into: &json) }
/// ```
public struct ProtoJSONEncoder: Sendable {
    /// The schema the wire bytes are read with.
    public let pool: DescriptorPool
    /// Output options.
    public let options: ProtoJSONOptions
    /// The pool laid out for the codec.
    let tables: CodecTables

    /// Creates an encoder. Lays out per-field tables for the whole pool once, so make one encoder
    /// per pool and share it.
    public init(pool: DescriptorPool, options: ProtoJSONOptions = ProtoJSONOptions()) {
        self.pool = pool
        self.options = options
        self.tables = CodecTables(pool: pool)
    }

    /// Creates an encoder that shares another codec's tables.
    init(tables: CodecTables, options: ProtoJSONOptions) {
        self.pool = tables.pool
        self.options = options
        self.tables = tables
    }

    /// Appends the JSON form of one message.
    /// - Parameters:
    ///   - messageIndex: The message type, an index into ``DescriptorPool/messages``.
    ///   - wireBytes: The serialized message.
    ///   - output: Where the JSON is appended.
    /// - Throws: ``ProtoJSONError`` with the field path, when the bytes are not a valid message of
    ///   that type or hold a value JSON cannot express (a `Timestamp` out of range, an `Any` whose
    ///   type is not in the pool, NaN in a `Value`, invalid UTF-8 in a `string`). `output` then
    ///   holds a partial result.
    public func encode(
        messageIndex: Int,
        wireBytes: UnsafeRawBufferPointer,
        into output: inout [UInt8]
    ) throws(ProtoJSONError) {
        var run = EncoderRun(tables: tables, options: options)
        swap(&run.writer.bytes, &output)
        defer { swap(&run.writer.bytes, &output) }
        try run.message(messageIndex, wireBytes, 0..<wireBytes.count)
    }

    /// Returns the JSON form of one message; see ``encode(messageIndex:wireBytes:into:)``.
    public func encode(messageIndex: Int, wireBytes: [UInt8]) throws(ProtoJSONError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(wireBytes.count * 2 + 16)
        try withRawBytes(wireBytes) { (buffer) throws(ProtoJSONError) in
            try encode(messageIndex: messageIndex, wireBytes: buffer, into: &output)
        }
        return output
    }
}

/// One field value found on the wire while scanning a message: which field, and where its bytes are.
struct Occurrence {
    /// The field's position in ``MessageTable/fields``.
    var position: Int32
    /// The wire type it was written with (packed repeated fields use 2).
    var wireType: UInt8
    /// The field number, the sort key for output order.
    var number: Int32
    /// Scan order, so sorting by number keeps wire order within a field.
    var sequence: Int32
    /// The value's bytes: a varint, 4 or 8 fixed bytes, a length-delimited body, or a group body.
    var start: Int
    /// One past the value's last byte.
    var end: Int
}

/// The state of one ``ProtoJSONEncoder/encode(messageIndex:wireBytes:into:)`` call.
struct EncoderRun {
    /// The pool's codec tables.
    let tables: CodecTables
    /// Output options.
    let options: ProtoJSONOptions
    /// The JSON being written.
    var writer: JSONWriter
    /// Field occurrences of the messages being written; each nesting level uses the tail.
    var occurrences: [Occurrence] = []
    /// Current message nesting.
    var depth = 0
    /// Write an `Any` whose type the pool lacks as `{"@type": …, "value": "<base64>"}` instead of
    /// failing (used for `google.rpc.Status` details).
    var unresolvedAnyAsBase64 = false

    /// Starts a run.
    init(tables: CodecTables, options: ProtoJSONOptions) {
        self.tables = tables
        self.options = options
        self.writer = JSONWriter(bytes: [], indent: options.indent)
    }

    /// Writes one message: the special form of a well-known type, else an object of its fields.
    mutating func message(_ index: Int, _ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= options.maxDepth else {
            throw ProtoJSONError(reason: "message nesting exceeds the limit of \(options.maxDepth)")
        }
        if let wellKnownType = tables.messages[index].wellKnownType {
            switch wellKnownType {
            case .any: return try any(source, range)
            case .timestamp: return try timestamp(source, range)
            case .duration: return try duration(source, range)
            case .fieldMask: return try fieldMask(source, range)
            case .struct: return try structObject(source, range)
            case .value: return try value(source, range)
            case .listValue: return try listValue(source, range)
            case .empty: break
            default: return try wrapper(index, source, range)
            }
        }
        writer.open(UInt8(ascii: "{"))
        var first = true
        try fields(index, source, range, first: &first)
        writer.close(UInt8(ascii: "}"), empty: first)
    }

    /// Writes the members of a regular message (no braces), so `Any` can put `@type` first.
    mutating func fields(
        _ index: Int,
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>,
        first: inout Bool
    ) throws(ProtoJSONError) {
        let table = tables.messages[index]
        let base = occurrences.count
        defer { occurrences.removeSubrange(base...) }
        try scan(table, source, range)
        let end = occurrences.count

        // Oneofs: the member seen last on the wire wins, and only its values after the last
        // occurrence of another member count (setting a member clears the others).
        var winner: [Int32] = []
        var cutoff: [Int32] = []
        if table.realOneofCount > 0 {
            winner = Array(repeating: -1, count: table.realOneofCount)
            cutoff = Array(repeating: -1, count: table.realOneofCount)
            var lastSequence = [Int32](repeating: -1, count: table.realOneofCount)
            for occurrence in occurrences[base..<end] {
                let oneof = table.fields[Int(occurrence.position)].oneof
                if oneof >= 0 && occurrence.sequence > lastSequence[oneof] {
                    lastSequence[oneof] = occurrence.sequence
                    winner[oneof] = occurrence.position
                }
            }
            for occurrence in occurrences[base..<end] {
                let oneof = table.fields[Int(occurrence.position)].oneof
                if oneof >= 0 && occurrence.position != winner[oneof] {
                    cutoff[oneof] = max(cutoff[oneof], occurrence.sequence)
                }
            }
        }

        var printed: [Bool] =
            options.alwaysPrintFieldsWithNoPresence ? Array(repeating: false, count: table.fields.count) : []
        var start = base
        while start < end {
            let position = Int(occurrences[start].position)
            var stop = start + 1
            while stop < end && Int(occurrences[stop].position) == position {
                stop += 1
            }
            let field = table.fields[position]
            var firstOccurrence = start
            if field.oneof >= 0 {
                if winner[field.oneof] != Int32(position) {
                    start = stop
                    continue
                }
                while firstOccurrence < stop && occurrences[firstOccurrence].sequence < cutoff[field.oneof] {
                    firstOccurrence += 1
                }
            }
            do {
                if try self.field(field, source, firstOccurrence..<stop, first: &first), !printed.isEmpty {
                    printed[position] = true
                }
            } catch {
                throw error.prefixed(with: options.preserveProtoFieldNames ? field.name : field.jsonName)
            }
            start = stop
        }

        if options.alwaysPrintFieldsWithNoPresence {
            for (position, field) in table.fields.enumerated() where !field.hasPresence && !printed[position] {
                writer.member(first: &first, quotedKey: key(field))
                try defaultValue(field)
            }
        }
    }

    /// Collects the occurrences of known fields in `range` onto ``occurrences``, sorted by field
    /// number (stable, so wire order holds within a field).
    mutating func scan(
        _ table: MessageTable,
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>
    ) throws(ProtoJSONError) {
        var reader = WireReader(source, start: range.lowerBound, end: range.upperBound)
        let base = occurrences.count
        var sequence: Int32 = 0
        var lastNumber = 0
        var sorted = true
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            let start: Int
            let end: Int
            switch wireType {
            case 0:
                start = reader.position
                _ = try reader.readVarint()
                end = reader.position
            case 1:
                start = reader.position
                _ = try reader.readFixed64()
                end = reader.position
            case 2:
                let body = try reader.readLengthDelimited()
                start = body.lowerBound
                end = body.upperBound
            case 3:
                let body = try reader.readGroup(number: number)
                start = body.lowerBound
                end = body.upperBound
            case 5:
                start = reader.position
                _ = try reader.readFixed32()
                end = reader.position
            default:
                throw ProtoJSONError(reason: "invalid wire data: unexpected end-group tag")
            }
            let position = table.fieldPosition(number: number)
            if position < 0 {
                continue
            }
            let field = table.fields[position]
            // A value with the wrong wire type is an unknown field to protobuf parsers; packed
            // repeated scalars may come either way.
            guard field.wireType == wireType || (wireType == 2 && field.isRepeated && field.type.isPackable) else {
                continue
            }
            if number < lastNumber {
                sorted = false
            }
            lastNumber = number
            occurrences.append(
                Occurrence(
                    position: Int32(position),
                    wireType: wireType,
                    number: Int32(number),
                    sequence: sequence,
                    start: start,
                    end: end
                )
            )
            sequence += 1
        }
        if !sorted {
            occurrences[base...].sort { ($0.number, $0.sequence) < ($1.number, $1.sequence) }
        }
    }

    /// The quoted key for a field under the current options.
    @inline(__always)
    func key(_ field: FieldTable) -> [UInt8] {
        options.preserveProtoFieldNames ? field.quotedProtoName : field.quotedJSONName
    }

    /// Writes one field from its occurrences, or nothing when it is not present (an implicit-presence
    /// scalar at its default, an empty list).
    /// - Returns: Whether a member was written.
    private mutating func field(
        _ field: FieldTable,
        _ source: UnsafeRawBufferPointer,
        _ group: Range<Int>,
        first: inout Bool
    ) throws(ProtoJSONError) -> Bool {
        if field.isMap {
            writer.member(first: &first, quotedKey: key(field))
            try map(field, source, group)
            return true
        }
        if field.isRepeated {
            return try list(field, source, group, first: &first)
        }
        if field.kind == .message || field.kind == .group {
            writer.member(first: &first, quotedKey: key(field))
            if group.count == 1 {
                let occurrence = occurrences[group.lowerBound]
                try message(field.messageIndex, source, occurrence.start..<occurrence.end)
            } else {
                // Several occurrences of one message merge: their fields concatenate.
                var merged: [UInt8] = []
                for occurrence in occurrences[group] {
                    merged.append(
                        contentsOf: UnsafeRawBufferPointer(rebasing: source[occurrence.start..<occurrence.end])
                    )
                }
                try withRawBytes(merged) { (buffer) throws(ProtoJSONError) in
                    try message(field.messageIndex, buffer, 0..<buffer.count)
                }
            }
            return true
        }
        // A singular scalar: the last value wins. For a closed enum, values it does not name are
        // unknown fields, so the last named one wins.
        var chosen = group.upperBound - 1
        if field.kind == .enumeration && field.isClosedEnum {
            while chosen >= group.lowerBound && !isNamedEnumValue(field, source, occurrences[chosen]) {
                chosen -= 1
            }
            if chosen < group.lowerBound {
                return false
            }
        }
        let occurrence = occurrences[chosen]
        if !field.hasPresence && isZero(field, source, occurrence) {
            return false
        }
        writer.member(first: &first, quotedKey: key(field))
        var reader = WireReader(source, start: occurrence.start, end: occurrence.end)
        try scalar(field, &reader, wireRange: occurrence.start..<occurrence.end)
        return true
    }

    /// Whether a closed enum's value on the wire is one of its names.
    private func isNamedEnumValue(
        _ field: FieldTable,
        _ source: UnsafeRawBufferPointer,
        _ occurrence: Occurrence
    ) -> Bool {
        var reader = WireReader(source, start: occurrence.start, end: occurrence.end)
        guard let raw = try? reader.readVarint() else {
            return false
        }
        return tables.enums[field.enumIndex].quotedName(Int32(truncatingIfNeeded: raw)) != nil
    }

    /// Whether a value is its type's default, which makes an implicit-presence field absent.
    /// Floating-point zero counts only as +0.0 (the bits are compared, so -0.0 is present).
    private func isZero(_ field: FieldTable, _ source: UnsafeRawBufferPointer, _ occurrence: Occurrence) -> Bool {
        switch occurrence.wireType {
        case 2: return occurrence.start == occurrence.end
        case 0:
            var reader = WireReader(source, start: occurrence.start, end: occurrence.end)
            let raw = (try? reader.readVarint()) ?? 1
            if field.kind == .int32 || field.kind == .enumeration || field.kind == .sint32 || field.kind == .uint32 {
                return UInt32(truncatingIfNeeded: raw) == 0
            }
            return raw == 0
        default:
            for index in occurrence.start..<occurrence.end where source[index] != 0 {
                return false
            }
            return true
        }
    }

    /// Writes a repeated field as an array, packed and unpacked occurrences alike.
    /// - Returns: Whether anything was written (an empty list is not present).
    private mutating func list(
        _ field: FieldTable,
        _ source: UnsafeRawBufferPointer,
        _ group: Range<Int>,
        first: inout Bool
    ) throws(ProtoJSONError) -> Bool {
        var started = false
        var element = true
        var count = 0
        for occurrenceIndex in group {
            let occurrence = occurrences[occurrenceIndex]
            if occurrence.wireType == 2 && field.wireType != 2 {
                if writer.indent == 0 && occurrence.start < occurrence.end && field.kind.isPlainVarint {
                    startList(field, &started, &first)
                    do {
                        count += try writer.packedIntegers(
                            field.kind,
                            source,
                            occurrence.start..<occurrence.end,
                            first: &element
                        )
                    } catch {
                        throw error.prefixed(with: "[\(count)]")
                    }
                    continue
                }
                var reader = WireReader(source, start: occurrence.start, end: occurrence.end)
                while !reader.isAtEnd {
                    let valueStart = reader.position
                    if field.kind == .enumeration && field.isClosedEnum {
                        var peek = reader
                        let raw = try peek.readVarint()
                        if tables.enums[field.enumIndex].quotedName(Int32(truncatingIfNeeded: raw)) == nil {
                            reader = peek
                            continue
                        }
                    }
                    startList(field, &started, &first)
                    writer.element(first: &element)
                    do {
                        try scalar(field, &reader, wireRange: valueStart..<occurrence.end)
                    } catch {
                        throw error.prefixed(with: "[\(count)]")
                    }
                    count += 1
                }
                continue
            }
            if field.kind == .enumeration && field.isClosedEnum && !isNamedEnumValue(field, source, occurrence) {
                continue
            }
            startList(field, &started, &first)
            writer.element(first: &element)
            do {
                if field.kind == .message || field.kind == .group {
                    try message(field.messageIndex, source, occurrence.start..<occurrence.end)
                } else {
                    var reader = WireReader(source, start: occurrence.start, end: occurrence.end)
                    try scalar(field, &reader, wireRange: occurrence.start..<occurrence.end)
                }
            } catch {
                throw error.prefixed(with: "[\(count)]")
            }
            count += 1
        }
        if started {
            writer.close(UInt8(ascii: "]"), empty: false)
        }
        return started
    }

    /// Writes a list's key and `[` before its first element.
    @inline(__always)
    private mutating func startList(_ field: FieldTable, _ started: inout Bool, _ first: inout Bool) {
        if !started {
            started = true
            writer.member(first: &first, quotedKey: key(field))
            writer.open(UInt8(ascii: "["))
        }
    }

    /// Writes a map field's entries as an object; a key seen twice keeps its last value.
    mutating func map(_ field: FieldTable, _ source: UnsafeRawBufferPointer, _ group: Range<Int>) throws(ProtoJSONError)
    {
        let entryTable = tables.messages[field.messageIndex]
        let keyField = entryTable.fields[entryTable.fieldPosition(number: 1)]
        let valueField = entryTable.fields[entryTable.fieldPosition(number: 2)]
        var entries: [(key: Range<Int>?, value: Range<Int>?, keyWire: UInt8)] = []
        entries.reserveCapacity(group.count)
        for occurrence in occurrences[group] {
            var reader = WireReader(source, start: occurrence.start, end: occurrence.end)
            var keyRange: Range<Int>?
            var valueRange: Range<Int>?
            var valueParts: [Range<Int>] = []
            while !reader.isAtEnd {
                let (number, wireType) = try reader.readTag()
                let start = reader.position
                var body: Range<Int>
                if wireType == 2 {
                    body = try reader.readLengthDelimited()
                } else if wireType == 3 {
                    body = try reader.readGroup(number: number)
                } else {
                    try reader.skip(wireType: wireType, number: number)
                    body = start..<reader.position
                }
                if number == 1 && wireType == keyField.wireType {
                    keyRange = body
                } else if number == 2 && wireType == valueField.wireType {
                    valueRange = body
                    valueParts.append(body)
                }
            }
            if valueField.kind == .enumeration && valueField.isClosedEnum, let valueRange {
                var peek = WireReader(source, start: valueRange.lowerBound, end: valueRange.upperBound)
                let raw = try peek.readVarint()
                if tables.enums[valueField.enumIndex].quotedName(Int32(truncatingIfNeeded: raw)) == nil {
                    continue  // the whole entry is an unknown field
                }
            }
            entries.append((keyRange, valueRange, keyField.wireType))
        }
        // Entries come out sorted by key, as Go's protojson and C++'s printer do (the wire order is
        // whatever the sender's hash table gave); a key seen twice keeps its last value.
        var keep = [Bool](repeating: true, count: entries.count)
        if entries.count > 1 {
            var order = Array(entries.indices)
            order.sort { left, right in
                let comparison = compareMapKeys(keyField, source, entries[left].key, entries[right].key)
                return comparison != 0 ? comparison < 0 : left < right
            }
            var sorted: [(key: Range<Int>?, value: Range<Int>?, keyWire: UInt8)] = []
            sorted.reserveCapacity(entries.count)
            keep = []
            for (position, entry) in order.enumerated() {
                let next = position + 1 < order.count ? order[position + 1] : -1
                keep.append(
                    next < 0 || compareMapKeys(keyField, source, entries[order[position]].key, entries[next].key) != 0
                )
                sorted.append(entries[entry])
            }
            entries = sorted
        }
        writer.open(UInt8(ascii: "{"))
        var first = true
        for (position, entry) in entries.enumerated() where keep[position] {
            writer.element(first: &first)
            let keyStart = writer.bytes.count
            try mapKey(keyField, source, entry.key)
            writer.colon()
            do {
                if let valueRange = entry.value {
                    if valueField.kind == .message || valueField.kind == .group {
                        try message(valueField.messageIndex, source, valueRange)
                    } else {
                        var reader = WireReader(source, start: valueRange.lowerBound, end: valueRange.upperBound)
                        try scalar(valueField, &reader, wireRange: valueRange)
                    }
                } else {
                    try defaultValue(valueField)
                }
            } catch {
                let keyText = String(
                    decoding: writer.bytes[keyStart...].prefix { $0 != UInt8(ascii: ":") },
                    as: UTF8.self
                )
                throw error.prefixed(with: "[\(keyText)]")
            }
        }
        writer.close(UInt8(ascii: "}"), empty: first)
    }

    /// Orders two map keys: numerically for integer types (signed or not as the type is), `false`
    /// before `true`, strings by their UTF-8 bytes. A missing key is the type's default.
    /// - Returns: Negative, zero or positive, as `left` sorts before, with or after `right`.
    private func compareMapKeys(
        _ field: FieldTable,
        _ source: UnsafeRawBufferPointer,
        _ left: Range<Int>?,
        _ right: Range<Int>?
    ) -> Int {
        if field.kind == .string {
            let a =
                left.map { UnsafeRawBufferPointer(rebasing: source[$0]) }
                ?? UnsafeRawBufferPointer(start: nil, count: 0)
            let b =
                right.map { UnsafeRawBufferPointer(rebasing: source[$0]) }
                ?? UnsafeRawBufferPointer(start: nil, count: 0)
            let common = min(a.count, b.count)
            for index in 0..<common where a[index] != b[index] {
                return Int(a[index]) - Int(b[index])
            }
            return a.count - b.count
        }
        let (leftSigned, leftUnsigned) = mapKeyNumber(field, source, left)
        let (rightSigned, rightUnsigned) = mapKeyNumber(field, source, right)
        switch field.kind {
        case .uint32, .uint64, .fixed32, .fixed64, .bool:
            return leftUnsigned < rightUnsigned ? -1 : (leftUnsigned == rightUnsigned ? 0 : 1)
        default:
            return leftSigned < rightSigned ? -1 : (leftSigned == rightSigned ? 0 : 1)
        }
    }

    /// A numeric map key as signed and unsigned 64-bit values (only one is meaningful per type).
    private func mapKeyNumber(
        _ field: FieldTable,
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>?
    ) -> (Int64, UInt64) {
        guard let range else {
            return (0, 0)
        }
        var reader = WireReader(source, start: range.lowerBound, end: range.upperBound)
        let raw: UInt64
        switch field.wireType {
        case 1: raw = (try? reader.readFixed64()) ?? 0
        case 5: raw = UInt64((try? reader.readFixed32()) ?? 0)
        default: raw = (try? reader.readVarint()) ?? 0
        }
        switch field.kind {
        case .int32: return (Int64(Int32(truncatingIfNeeded: raw)), 0)
        case .sint32:
            let value = UInt32(truncatingIfNeeded: raw)
            return (Int64(Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))), 0)
        case .sint64: return (Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))), 0)
        case .sfixed32: return (Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: raw))), 0)
        case .uint32: return (0, UInt64(UInt32(truncatingIfNeeded: raw)))
        case .bool: return (0, raw != 0 ? 1 : 0)
        case .int64, .sfixed64: return (Int64(bitPattern: raw), 0)
        default: return (0, raw)
        }
    }

    /// Writes a map key as a JSON string (`"12"`, `"true"`, `"name"`).
    private mutating func mapKey(
        _ field: FieldTable,
        _ source: UnsafeRawBufferPointer,
        _ range: Range<Int>?
    ) throws(ProtoJSONError) {
        guard let range else {
            switch field.kind {
            case .string: writer.raw("\"\"")
            case .bool: writer.raw("\"false\"")
            default: writer.raw("\"0\"")
            }
            return
        }
        if field.kind == .string {
            try writer.string(source, range)
            return
        }
        writer.bytes.append(UInt8(ascii: "\""))
        var reader = WireReader(source, start: range.lowerBound, end: range.upperBound)
        switch field.kind {
        case .bool: try reader.readVarint() != 0 ? writer.raw("true") : writer.raw("false")
        default:
            // Integers print the same quoted or not: write the number and close the quote.
            let mark = writer.bytes.count
            try scalar(field, &reader, wireRange: range)
            if writer.bytes[mark] == UInt8(ascii: "\"") {
                writer.bytes.remove(at: mark)
                writer.bytes.removeLast()
            }
        }
        writer.bytes.append(UInt8(ascii: "\""))
    }

    /// Writes one scalar (or enum, string, bytes) value read from `reader`.
    /// - Parameter wireRange: The value's bytes, for strings and bytes.
    mutating func scalar(_ field: FieldTable, _ reader: inout WireReader, wireRange: Range<Int>) throws(ProtoJSONError)
    {
        switch field.kind {
        case .int32: writer.integer(Int64(Int32(truncatingIfNeeded: try reader.readVarint())))
        case .int64: writer.quotedInteger(Int64(bitPattern: try reader.readVarint()))
        case .uint32: writer.unsigned(UInt64(UInt32(truncatingIfNeeded: try reader.readVarint())))
        case .uint64: writer.quotedUnsigned(try reader.readVarint())
        case .sint32:
            let raw = UInt32(truncatingIfNeeded: try reader.readVarint())
            writer.integer(Int64(Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))))
        case .sint64:
            let raw = try reader.readVarint()
            writer.quotedInteger(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        case .fixed32: writer.unsigned(UInt64(try reader.readFixed32()))
        case .fixed64: writer.quotedUnsigned(try reader.readFixed64())
        case .sfixed32: writer.integer(Int64(Int32(bitPattern: try reader.readFixed32())))
        case .sfixed64: writer.quotedInteger(Int64(bitPattern: try reader.readFixed64()))
        case .float: floatingPoint(Double(Float(bitPattern: try reader.readFixed32())), isFloat: true)
        case .double: floatingPoint(Double(bitPattern: try reader.readFixed64()), isFloat: false)
        case .bool: try reader.readVarint() != 0 ? writer.raw("true") : writer.raw("false")
        case .string:
            try writer.string(reader.buffer, wireRange)
            reader.position = wireRange.upperBound
        case .bytes:
            writer.bytes.append(UInt8(ascii: "\""))
            Base64.encode(reader.buffer, wireRange, to: &writer.bytes)
            writer.bytes.append(UInt8(ascii: "\""))
            reader.position = wireRange.upperBound
        case .enumeration:
            enumValue(field, Int32(truncatingIfNeeded: try reader.readVarint()))
        case .message, .group:
            try message(field.messageIndex, reader.buffer, wireRange)
            reader.position = wireRange.upperBound
        }
    }

    /// Writes an enum value: `null` for NullValue, else its first name, else its number.
    @inline(__always)
    mutating func enumValue(_ field: FieldTable, _ number: Int32) {
        if options.enumsAsIntegers {
            writer.integer(Int64(number))
        } else if field.isNullValue {
            writer.raw("null")
        } else if let name = tables.enums[field.enumIndex].quotedName(number) {
            writer.bytes.append(contentsOf: name)
        } else {
            writer.integer(Int64(number))
        }
    }

    /// Writes a float or double: a number, or the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
    mutating func floatingPoint(_ value: Double, isFloat: Bool) {
        if value.isNaN {
            writer.raw("\"NaN\"")
        } else if value.isInfinite {
            value < 0 ? writer.raw("\"-Infinity\"") : writer.raw("\"Infinity\"")
        } else if isFloat {
            NumberFormatting.appendFloat(Float(value), to: &writer.bytes)
        } else {
            NumberFormatting.appendDouble(value, to: &writer.bytes)
        }
    }

    /// Writes a field's default: `[]`, `{}`, zero, `""`, `false`, the zero enum name, or an empty
    /// message (a map entry without a value).
    mutating func defaultValue(_ field: FieldTable) throws(ProtoJSONError) {
        if field.isMap {
            writer.raw("{}")
            return
        }
        if field.isRepeated {
            writer.raw("[]")
            return
        }
        switch field.kind {
        case .int32, .uint32, .sint32, .fixed32, .sfixed32: writer.raw("0")
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: writer.raw("\"0\"")
        case .float, .double: writer.raw("0.0")
        case .bool: writer.raw("false")
        case .string, .bytes: writer.raw("\"\"")
        case .enumeration:
            let table = tables.enums[field.enumIndex]
            if table.quotedName(0) == nil, !options.enumsAsIntegers, !field.isNullValue,
                let firstNumber = tables.pool.enumeration(at: field.enumIndex).values.first?.number
            {
                enumValue(field, firstNumber)
            } else {
                enumValue(field, 0)
            }
        case .message, .group:
            try message(field.messageIndex, UnsafeRawBufferPointer(start: nil, count: 0), 0..<0)
        }
    }
}
