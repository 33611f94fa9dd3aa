/// The well-known types whose ProtoJSON form is special
/// (https://protobuf.dev/programming-guides/json/), by full name.
///
/// ``MessageSchema/wellKnownType`` tells a codec to use the special form; the raw values let code
/// compare names without spelling them again.
public enum WellKnownType: String, Sendable, Hashable, CaseIterable {
    case any = "google.protobuf.Any"
    case timestamp = "google.protobuf.Timestamp"
    case duration = "google.protobuf.Duration"
    case fieldMask = "google.protobuf.FieldMask"
    case `struct` = "google.protobuf.Struct"
    case value = "google.protobuf.Value"
    case listValue = "google.protobuf.ListValue"
    case empty = "google.protobuf.Empty"
    case doubleValue = "google.protobuf.DoubleValue"
    case floatValue = "google.protobuf.FloatValue"
    case int64Value = "google.protobuf.Int64Value"
    case uint64Value = "google.protobuf.UInt64Value"
    case int32Value = "google.protobuf.Int32Value"
    case uint32Value = "google.protobuf.UInt32Value"
    case boolValue = "google.protobuf.BoolValue"
    case stringValue = "google.protobuf.StringValue"
    case bytesValue = "google.protobuf.BytesValue"

    /// The one well-known enum: `google.protobuf.NullValue`, written as JSON `null`.
    public static let nullValueEnumName = "google.protobuf.NullValue"

    /// Whether this is one of the nine wrapper types, whose JSON form is the bare wrapped value.
    public var isWrapper: Bool {
        switch self {
        case .doubleValue, .floatValue, .int64Value, .uint64Value, .int32Value, .uint32Value, .boolValue,
            .stringValue, .bytesValue:
            true
        default:
            false
        }
    }
}
