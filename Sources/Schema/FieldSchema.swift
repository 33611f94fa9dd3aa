/// One field of a message, with everything a descriptor-driven codec needs resolved up front.
///
/// Type references are indices into the pool's tables (``DescriptorPool/messages``,
/// ``DescriptorPool/enums``), so encoding and decoding never look a name up.
public struct FieldSchema: Sendable, Hashable {
    /// The field number (1...536,870,911).
    public var number: Int
    /// The name in the `.proto` file (`created_at`).
    public var name: String
    /// The ProtoJSON name: `json_name` from the descriptor (protoc always fills it), or the
    /// lowerCamel form of ``name`` computed as protoc does (`created_at` → `createdAt`).
    public var jsonName: String
    /// The field's type.
    public var type: FieldType
    /// The cardinality as declared. Map fields are `repeated`.
    public var label: FieldLabel
    /// Whether repeated values go on the wire packed: proto3 packs repeated scalar numerics unless
    /// `[packed = false]`; proto2 packs only with `[packed = true]`. Parsers must still accept both
    /// forms (https://protobuf.dev/programming-guides/encoding/#packed).
    public var isPacked: Bool
    /// The index into ``MessageSchema/oneofs`` of the oneof holding this field, including the
    /// synthetic oneof of a proto3 `optional` field.
    public var oneofIndex: Int?
    /// Whether this is a proto3 `optional` field (sitting alone in a synthetic oneof).
    public var isProto3Optional: Bool
    /// Whether the field tracks presence, so a default value is still distinct from "unset":
    /// singular message fields, oneof members, proto3 `optional`, and every singular proto2 field.
    public var hasPresence: Bool
    /// The full name of the message or enum type, without a leading dot; `nil` for scalars.
    public var typeName: String?
    /// For `message` and `group` fields: the type's index in ``DescriptorPool/messages``.
    public var messageIndex: Int?
    /// For `enum` fields: the type's index in ``DescriptorPool/enums``.
    public var enumIndex: Int?
    /// Whether this is a `map<K, V>` field: repeated, of a message type marked `map_entry`.
    public var isMap: Bool
    /// A proto2 `[default = …]` as protoc writes it in the descriptor (text), if any.
    public var defaultValue: String?
    /// This field's position in ``MessageSchema/fields`` (declaration order).
    public var index: Int

    /// Creates a field; the pool builds these from descriptors, tests may build them by hand.
    public init(
        number: Int,
        name: String,
        jsonName: String,
        type: FieldType,
        label: FieldLabel = .optional,
        isPacked: Bool = false,
        oneofIndex: Int? = nil,
        isProto3Optional: Bool = false,
        hasPresence: Bool = false,
        typeName: String? = nil,
        messageIndex: Int? = nil,
        enumIndex: Int? = nil,
        isMap: Bool = false,
        defaultValue: String? = nil,
        index: Int = 0
    ) {
        self.number = number
        self.name = name
        self.jsonName = jsonName
        self.type = type
        self.label = label
        self.isPacked = isPacked
        self.oneofIndex = oneofIndex
        self.isProto3Optional = isProto3Optional
        self.hasPresence = hasPresence
        self.typeName = typeName
        self.messageIndex = messageIndex
        self.enumIndex = enumIndex
        self.isMap = isMap
        self.defaultValue = defaultValue
        self.index = index
    }

    /// Whether the field holds a list (maps included, as the wire sees them).
    public var isRepeated: Bool {
        label == .repeated
    }

    /// Whether the field is `required` (proto2 only).
    public var isRequired: Bool {
        label == .required
    }

    /// The lowerCamel JSON name protoc derives from a field name: each `_` is dropped and the
    /// character after it upper-cased (protoc's `ToJsonName`), e.g. `snake_case_2x` → `snakeCase2x`.
    /// - Parameter protoName: The field's `.proto` name.
    /// - Returns: The derived JSON name.
    public static func defaultJSONName(for protoName: String) -> String {
        var result = ""
        result.reserveCapacity(protoName.utf8.count)
        var capitalizeNext = false
        for character in protoName {
            if character == "_" {
                capitalizeNext = true
            } else if capitalizeNext {
                result += character.uppercased()
                capitalizeNext = false
            } else {
                result.append(character)
            }
        }
        return result
    }
}
