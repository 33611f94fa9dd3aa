/// The knobs of the proto3 JSON mapping (https://protobuf.dev/programming-guides/json/#json-options),
/// shared by ``ProtoJSONEncoder`` and ``ProtoJSONDecoder``.
///
/// The defaults are the gateway's: canonical compact output, and unknown request fields ignored as
/// Envoy, grpc-gateway and Vanguard do (the spec's own default is to reject them).
public struct ProtoJSONOptions: Sendable, Hashable {
    /// Emit fields without presence (proto3 implicit scalars, repeated fields, maps) even when they
    /// hold their default value (`0`, `""`, `[]`, `{}`). Fields with presence are never invented.
    public var alwaysPrintFieldsWithNoPresence: Bool
    /// Write the `.proto` field name (`created_at`) instead of the lowerCamel JSON name.
    public var preserveProtoFieldNames: Bool
    /// Write enum values as their numbers instead of their names.
    public var enumsAsIntegers: Bool
    /// Spaces per nesting level; `0` writes compact JSON on one line.
    public var indent: Int
    /// Skip request fields (and enum names) the schema does not know instead of failing.
    public var ignoreUnknownFields: Bool
    /// The deepest nesting of messages and JSON containers accepted or written; deeper input is an
    /// error rather than a stack overflow. 100 is the reference implementations' limit.
    public var maxDepth: Int

    /// Creates options; every default is the gateway's.
    public init(
        alwaysPrintFieldsWithNoPresence: Bool = false,
        preserveProtoFieldNames: Bool = false,
        enumsAsIntegers: Bool = false,
        indent: Int = 0,
        ignoreUnknownFields: Bool = true,
        maxDepth: Int = 100
    ) {
        self.alwaysPrintFieldsWithNoPresence = alwaysPrintFieldsWithNoPresence
        self.preserveProtoFieldNames = preserveProtoFieldNames
        self.enumsAsIntegers = enumsAsIntegers
        self.indent = indent
        self.ignoreUnknownFields = ignoreUnknownFields
        self.maxDepth = maxDepth
    }
}
