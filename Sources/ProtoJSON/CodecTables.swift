internal import Schema

/// What the codec needs from a ``DescriptorPool``, laid out for the hot path: per field a kind
/// and the quoted JSON keys ready to copy, per message a field-number table and a byte-keyed name
/// table, per enum the quoted names by number.
///
/// Built once when an encoder or decoder is made and shared read-only, like the pool itself.
final class CodecTables: Sendable {
    /// One entry per ``DescriptorPool/messages``, same index.
    let messages: [MessageTable]
    /// One entry per ``DescriptorPool/enums``, same index.
    let enums: [EnumTable]
    /// The pool the tables were made from (Any resolves type URLs through it).
    let pool: DescriptorPool
    /// Where `google.protobuf.Struct`, `Value` and `ListValue` are, looked up once: JSON objects
    /// and arrays inside a Value refer to them without naming them.
    let structIndex: Int?
    /// See ``structIndex``.
    let valueIndex: Int?
    /// See ``structIndex``.
    let listValueIndex: Int?

    /// Lays out the tables for every message and enum of `pool`.
    init(pool: DescriptorPool) {
        self.pool = pool
        structIndex = pool.messageIndex(named: WellKnownType.struct.rawValue)
        valueIndex = pool.messageIndex(named: WellKnownType.value.rawValue)
        listValueIndex = pool.messageIndex(named: WellKnownType.listValue.rawValue)
        enums = pool.enums.map(EnumTable.init)
        messages = pool.messages.map { MessageTable($0, pool: pool) }
    }
}

/// One message type, laid out for the codec. A class, so that reaching it from the hot path costs
/// one reference count instead of one per array inside.
final class MessageTable: Sendable {
    /// The fields in declaration order.
    let fields: [FieldTable]
    /// Field positions sorted by field number: the order the reference prints fields in.
    let numberOrder: [Int]
    /// Field number → field position, dense for small numbers.
    let dense: [Int32]
    /// Field numbers too large for ``dense``.
    let sparse: [Int: Int]
    /// JSON name and `.proto` name → field position.
    let names: NameTable
    /// The special JSON form this type has, if any.
    let wellKnownType: WellKnownType?
    /// The full name, for errors and `@type`.
    let fullName: String
    /// How many real (non-synthetic) oneofs the message has; 0 skips oneof bookkeeping.
    let realOneofCount: Int

    /// Lays out one message.
    init(_ schema: MessageSchema, pool: DescriptorPool) {
        var realOneof = [Int](repeating: -1, count: schema.oneofs.count)
        var count = 0
        for (position, oneof) in schema.oneofs.enumerated() where !oneof.isSynthetic {
            realOneof[position] = count
            count += 1
        }
        realOneofCount = count
        let fields = schema.fields.map { FieldTable($0, pool: pool, realOneof: realOneof) }
        self.fields = fields
        numberOrder = fields.indices.sorted { fields[$0].number < fields[$1].number }
        let maximum = fields.map(\.number).filter { $0 <= 1024 }.max() ?? 0
        var dense = [Int32](repeating: -1, count: maximum + 1)
        var sparse: [Int: Int] = [:]
        for (position, field) in fields.enumerated() {
            if field.number <= 1024 {
                dense[field.number] = Int32(position)
            } else {
                sparse[field.number] = position
            }
        }
        self.dense = dense
        self.sparse = sparse
        var entries: [(String, Int)] = []
        for field in schema.fields {
            entries.append((field.jsonName, field.index))
        }
        for field in schema.fields {
            entries.append((field.name, field.index))
        }
        names = NameTable(entries)
        wellKnownType = schema.wellKnownType
        fullName = schema.fullName
    }

    /// The position of the field with this number, or -1.
    @inline(__always)
    func fieldPosition(number: Int) -> Int {
        if number < dense.count {
            return Int(dense[number])
        }
        return sparse[number] ?? -1
    }
}

/// How a field's values are read and written; one case per JSON form.
enum FieldKind: UInt8, Sendable {
    case int32, int64, uint32, uint64, sint32, sint64, fixed32, fixed64, sfixed32, sfixed64
    case float, double, bool, string, bytes, enumeration, message, group

    /// The integer kinds written as plain varints (no zig-zag for these, or zig-zag for `sint`),
    /// which ``JSONWriter/packedIntegers(_:_:_:first:)`` prints in bulk.
    var isPlainVarint: Bool {
        switch self {
        case .int32, .int64, .uint32, .uint64, .sint32, .sint64: true
        default: false
        }
    }
}

/// One field, laid out for the codec (a class for the same reason as ``MessageTable``).
final class FieldTable: Sendable {
    /// The field number.
    let number: Int
    /// The value kind.
    let kind: FieldKind
    /// The declared type.
    let type: FieldType
    /// The wire type of one value.
    let wireType: UInt8
    /// `repeated` (maps included).
    let isRepeated: Bool
    /// A `map<K, V>` field.
    let isMap: Bool
    /// Repeated values are written packed.
    let isPacked: Bool
    /// Whether the field tracks presence (a default value is still "set").
    let hasPresence: Bool
    /// The real oneof (numbered among real oneofs only) holding the field, or -1.
    let oneof: Int
    /// The message type (message, group and map fields), or -1.
    let messageIndex: Int
    /// The enum type, or -1.
    let enumIndex: Int
    /// `"jsonName"` quoted and escaped, ready to copy.
    let quotedJSONName: [UInt8]
    /// `"proto_name"` quoted and escaped.
    let quotedProtoName: [UInt8]
    /// The JSON name, for error paths.
    let jsonName: String
    /// The `.proto` name.
    let name: String
    /// The field is `google.protobuf.NullValue`, written as `null`.
    let isNullValue: Bool
    /// The enum is closed (proto2): unknown numbers are not values.
    let isClosedEnum: Bool

    /// Lays out one field.
    init(_ schema: FieldSchema, pool: DescriptorPool, realOneof: [Int]) {
        number = schema.number
        type = schema.type
        switch schema.type {
        case .int32: kind = .int32
        case .int64: kind = .int64
        case .uint32: kind = .uint32
        case .uint64: kind = .uint64
        case .sint32: kind = .sint32
        case .sint64: kind = .sint64
        case .fixed32: kind = .fixed32
        case .fixed64: kind = .fixed64
        case .sfixed32: kind = .sfixed32
        case .sfixed64: kind = .sfixed64
        case .float: kind = .float
        case .double: kind = .double
        case .bool: kind = .bool
        case .string: kind = .string
        case .bytes: kind = .bytes
        case .enum: kind = .enumeration
        case .message: kind = .message
        case .group: kind = .group
        }
        wireType = schema.type.wireType.rawValue
        isRepeated = schema.isRepeated
        isMap = schema.isMap
        isPacked = schema.isPacked
        hasPresence = schema.hasPresence
        oneof = schema.oneofIndex.map { realOneof[$0] } ?? -1
        messageIndex = schema.messageIndex ?? -1
        enumIndex = schema.enumIndex ?? -1
        quotedJSONName = JSONWriter.quoted(schema.jsonName)
        quotedProtoName = JSONWriter.quoted(schema.name)
        jsonName = schema.jsonName
        name = schema.name
        let enumSchema = schema.enumIndex.map { pool.enumeration(at: $0) }
        isNullValue = enumSchema?.isNullValue ?? false
        isClosedEnum = enumSchema?.isClosed ?? false
    }
}

/// One enum type, laid out for the codec (a class for the same reason as ``MessageTable``).
final class EnumTable: Sendable {
    /// Number → quoted first-declared name, for numbers in a small dense range.
    let denseNames: [[UInt8]?]
    /// The smallest number in ``denseNames``.
    let denseBase: Int32
    /// Names of numbers outside the dense range.
    let sparseNames: [Int32: [UInt8]]
    /// Every name (aliases included) → number.
    let names: NameTable
    /// Whether unknown numbers are rejected (proto2).
    let isClosed: Bool
    /// The full name, for errors.
    let fullName: String
    /// Whether this is `google.protobuf.NullValue`.
    let isNullValue: Bool

    /// Lays out one enum.
    init(_ schema: EnumSchema) {
        let numbers = schema.values.map(\.number)
        let low = numbers.min() ?? 0
        let high = numbers.max() ?? 0
        var dense: [[UInt8]?] = []
        var sparse: [Int32: [UInt8]] = [:]
        if Int(high) - Int(low) < 256 {
            dense = Array(repeating: nil, count: Int(high) - Int(low) + 1)
            for value in schema.values where dense[Int(value.number - low)] == nil {
                dense[Int(value.number - low)] = JSONWriter.quoted(value.name)
            }
        } else {
            for value in schema.values where sparse[value.number] == nil {
                sparse[value.number] = JSONWriter.quoted(value.name)
            }
        }
        denseNames = dense
        denseBase = low
        sparseNames = sparse
        names = NameTable(schema.values.map { ($0.name, Int($0.number)) })
        isClosed = schema.isClosed
        fullName = schema.fullName
        isNullValue = schema.isNullValue
    }

    /// The quoted name of a number, or `nil` when the enum does not name it.
    @inline(__always)
    func quotedName(_ number: Int32) -> [UInt8]? {
        if !denseNames.isEmpty {
            let offset = Int(number) - Int(denseBase)
            return offset >= 0 && offset < denseNames.count ? denseNames[offset] : nil
        }
        return sparseNames[number]
    }
}

/// A string → integer table looked up by raw UTF-8 bytes, so the decoder can find a field or enum
/// value from the key it is scanning without making a `String`.
///
/// Open addressing over FNV-1a hashes, capacity a power of two at least twice the entry count.
struct NameTable: Sendable {
    /// The keys' bytes, one entry per name.
    private let keys: [[UInt8]]
    /// The value of each key.
    private let values: [Int]
    /// Slot → entry position + 1, 0 for empty.
    private let slots: [Int32]

    /// Builds the table; an earlier duplicate name keeps its value.
    init(_ entries: [(String, Int)]) {
        var keys: [[UInt8]] = []
        var values: [Int] = []
        var capacity = 4
        while capacity < entries.count * 2 {
            capacity *= 2
        }
        var slots = [Int32](repeating: 0, count: capacity)
        for (name, value) in entries {
            let bytes = Array(name.utf8)
            var slot = Int(NameTable.hash(bytes) & UInt64(capacity - 1))
            var duplicate = false
            while slots[slot] != 0 {
                if keys[Int(slots[slot]) - 1] == bytes {
                    duplicate = true
                    break
                }
                slot = (slot + 1) & (capacity - 1)
            }
            if duplicate {
                continue
            }
            keys.append(bytes)
            values.append(value)
            slots[slot] = Int32(keys.count)
        }
        self.keys = keys
        self.values = values
        self.slots = slots
    }

    /// FNV-1a over a byte sequence.
    @inline(__always)
    static func hash<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash
    }

    /// The value for the key `source[range]`, or `nil`.
    @inline(__always)
    func lookup(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        let key = UnsafeRawBufferPointer(rebasing: source[range])
        let mask = slots.count - 1
        var slot = Int(NameTable.hash(key) & UInt64(mask))
        while true {
            let entry = Int(slots[slot])
            if entry == 0 {
                return nil
            }
            let candidate = keys[entry - 1]
            if candidate.count == key.count && candidate.withUnsafeBytes({ $0.elementsEqual(key) }) {
                return values[entry - 1]
            }
            slot = (slot + 1) & mask
        }
    }

    /// The value for a key given as a string.
    func lookup(_ name: String) -> Int? {
        var name = name
        return name.withUTF8 { lookup(UnsafeRawBufferPointer($0), 0..<$0.count) }
    }
}
