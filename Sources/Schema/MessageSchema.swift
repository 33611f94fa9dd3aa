/// One message type: its fields in declaration order, its oneofs, and fast lookups by field number
/// and by name.
///
/// A hot-path decoder reads a tag and calls ``fieldIndex(number:)``, which is an array access for
/// the usual small field numbers; a JSON decoder reads a key and calls ``field(named:)``, which
/// accepts both the `.proto` name and the JSON name, as ProtoJSON parsers must.
public struct MessageSchema: Sendable {
    /// The full name without a leading dot (`fixtures.orders.Order.Item`).
    public var fullName: String
    /// The short name (`Item`).
    public var name: String
    /// The `.proto` file that defines it (`fixtures/orders.proto`).
    public var file: String
    /// The file's syntax, which decides presence and packing defaults.
    public var syntax: ProtoSyntax
    /// The fields in declaration order; ``FieldSchema/index`` is the position here.
    public var fields: [FieldSchema]
    /// The oneofs in declaration order, synthetic ones (proto3 `optional`) included.
    public var oneofs: [OneofSchema]
    /// Whether this is the generated entry type of a `map<K, V>` field (`option map_entry`); its
    /// field 1 is the key and field 2 the value.
    public var isMapEntry: Bool
    /// The well-known type this is, if any.
    public var wellKnownType: WellKnownType?
    /// This message's position in ``DescriptorPool/messages``.
    public var index: Int

    /// Field number → field index, dense when numbers are small.
    private var numberTable: FieldNumberTable
    /// `.proto` name and JSON name → field index.
    private var nameTable: [String: Int]

    /// Creates a message schema and its lookup tables.
    /// - Parameters:
    ///   - fullName: Full name without a leading dot.
    ///   - file: The defining `.proto` file.
    ///   - syntax: The file's syntax.
    ///   - fields: Fields in declaration order; their ``FieldSchema/index`` is rewritten to match.
    ///   - oneofs: Oneofs in declaration order.
    ///   - isMapEntry: Whether this is a map entry type.
    ///   - index: Position in the pool's table.
    public init(
        fullName: String,
        file: String = "",
        syntax: ProtoSyntax = .proto3,
        fields: [FieldSchema],
        oneofs: [OneofSchema] = [],
        isMapEntry: Bool = false,
        index: Int = 0
    ) {
        self.fullName = fullName
        self.name = String(fullName.split(separator: ".").last ?? Substring(fullName))
        self.file = file
        self.syntax = syntax
        self.fields = fields
        for position in self.fields.indices {
            self.fields[position].index = position
        }
        self.oneofs = oneofs
        self.isMapEntry = isMapEntry
        self.wellKnownType = WellKnownType(rawValue: fullName)
        self.index = index
        self.numberTable = FieldNumberTable(numbers: self.fields.map(\.number))
        var names: [String: Int] = [:]
        // JSON names first, then proto names, so a proto name wins if the two ever collide.
        for field in self.fields {
            names[field.jsonName] = field.index
        }
        for field in self.fields {
            names[field.name] = field.index
        }
        self.nameTable = names
    }

    /// The index in ``fields`` of the field with this number.
    /// - Parameter number: A field number read from the wire.
    public func fieldIndex(number: Int) -> Int? {
        numberTable.index(of: number)
    }

    /// The field with this number, or `nil` (an unknown field, to be skipped or preserved).
    public func field(number: Int) -> FieldSchema? {
        fieldIndex(number: number).map { fields[$0] }
    }

    /// The index in ``fields`` of the field with this `.proto` name or JSON name.
    public func fieldIndex(named name: String) -> Int? {
        nameTable[name]
    }

    /// The field with this `.proto` name (`created_at`) or JSON name (`createdAt`).
    public func field(named name: String) -> FieldSchema? {
        fieldIndex(named: name).map { fields[$0] }
    }

    /// For a map entry: the key field (number 1).
    public var mapKey: FieldSchema? {
        isMapEntry ? field(number: 1) : nil
    }

    /// For a map entry: the value field (number 2).
    public var mapValue: FieldSchema? {
        isMapEntry ? field(number: 2) : nil
    }
}

/// One `oneof` of a message.
public struct OneofSchema: Sendable, Hashable {
    /// The name in the `.proto` file.
    public var name: String
    /// Indices into ``MessageSchema/fields`` of its members, in declaration order.
    public var fieldIndices: [Int]
    /// Whether protoc made it up for a proto3 `optional` field; such a oneof has exactly one member
    /// and is not a oneof to the user (ProtoJSON and the "only one member set" rule ignore it).
    public var isSynthetic: Bool

    /// Creates a oneof.
    public init(name: String, fieldIndices: [Int], isSynthetic: Bool = false) {
        self.name = name
        self.fieldIndices = fieldIndices
        self.isSynthetic = isSynthetic
    }
}

/// Field number → position, as an array when the numbers are small (the common case: numbered
/// from 1 without big gaps) and as a dictionary otherwise, so one message with field 536,870,911
/// does not cost half a billion slots.
struct FieldNumberTable: Sendable {
    /// Largest field number stored densely; 256 slots of `Int32` is 1 KiB per message at most.
    private static let denseLimit = 256

    /// `dense[number]` = field index, or -1 when no field has that number.
    private let dense: [Int32]
    /// Field numbers above ``denseLimit``.
    private let sparse: [Int: Int]

    /// Builds the table.
    /// - Parameter numbers: Field numbers in field order (position = field index).
    init(numbers: [Int]) {
        let denseMax = numbers.filter { $0 <= Self.denseLimit }.max() ?? 0
        var dense = [Int32](repeating: -1, count: denseMax + 1)
        var sparse: [Int: Int] = [:]
        for (index, number) in numbers.enumerated() {
            if number >= 0, number <= Self.denseLimit {
                dense[number] = Int32(index)
            } else {
                sparse[number] = index
            }
        }
        self.dense = dense
        self.sparse = sparse
    }

    /// The position of the field with this number.
    @inline(__always)
    func index(of number: Int) -> Int? {
        if number >= 0, number < dense.count {
            let index = dense[number]
            return index >= 0 ? Int(index) : nil
        }
        return sparse.isEmpty ? nil : sparse[number]
    }
}
