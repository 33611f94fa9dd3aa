/// The 18 field types of protobuf, with the numbers `descriptor.proto` gives them
/// (`FieldDescriptorProto.Type`).
public enum FieldType: Int, Sendable, Hashable, CaseIterable {
    case double = 1
    case float = 2
    case int64 = 3
    case uint64 = 4
    case int32 = 5
    case fixed64 = 6
    case fixed32 = 7
    case bool = 8
    case string = 9
    /// A proto2 group: a nested message delimited by start/end-group tags instead of a length.
    case group = 10
    case message = 11
    case bytes = 12
    case uint32 = 13
    case `enum` = 14
    case sfixed32 = 15
    case sfixed64 = 16
    case sint32 = 17
    case sint64 = 18

    /// The wire type a single value of this type uses
    /// (https://protobuf.dev/programming-guides/encoding/#structure).
    public var wireType: WireType {
        switch self {
        case .int32, .int64, .uint32, .uint64, .sint32, .sint64, .bool, .enum: .varint
        case .fixed64, .sfixed64, .double: .fixed64
        case .fixed32, .sfixed32, .float: .fixed32
        case .string, .bytes, .message: .lengthDelimited
        case .group: .startGroup
        }
    }

    /// Whether repeated values of this type may be packed: every scalar numeric type (varint,
    /// 32-bit and 64-bit), never strings, bytes or messages.
    public var isPackable: Bool {
        switch wireType {
        case .varint, .fixed32, .fixed64: true
        default: false
        }
    }
}

/// The wire types of the protobuf binary encoding.
public enum WireType: UInt8, Sendable, Hashable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// A field's cardinality as `descriptor.proto` states it.
public enum FieldLabel: Int, Sendable, Hashable {
    case optional = 1
    case required = 2
    case repeated = 3
}

/// The `syntax` of the `.proto` file a type comes from; it decides presence and packing rules.
public enum ProtoSyntax: String, Sendable, Hashable {
    case proto2
    case proto3
}
