/// One `google.api.HttpRule`: how a REST call maps onto an RPC method.
///
/// Read from a method's `option (google.api.http)` (see ``HTTPRule/decode(_:)``), or built by the
/// gateway from `gateway.yaml`'s `http: rules:`. Field meanings follow
/// https://github.com/googleapis/googleapis/blob/master/google/api/http.proto.
public struct HTTPRule: Sendable, Equatable {
    /// The method the rule applies to (`pkg.Service.Method`); empty in annotations, where the
    /// method is implied.
    public var selector: String
    /// `GET`, `PUT`, `POST`, `DELETE`, `PATCH`, or a custom kind as written (`HEAD`); empty when the
    /// rule sets no pattern.
    public var method: String
    /// The URL path template (`/v1/{name=shelves/*}`), not parsed here.
    public var pattern: String
    /// Which request field the body fills: empty (no body), `*` (the whole request), or a field name.
    public var body: String
    /// Which response field becomes the body: empty means the whole response.
    public var responseBody: String
    /// Further bindings for the same method (one level deep, per the spec).
    public var additionalBindings: [HTTPRule]

    /// Creates a rule.
    public init(
        selector: String = "",
        method: String,
        pattern: String,
        body: String = "",
        responseBody: String = "",
        additionalBindings: [HTTPRule] = []
    ) {
        self.selector = selector
        self.method = method
        self.pattern = pattern
        self.body = body
        self.responseBody = responseBody
        self.additionalBindings = additionalBindings
    }
}

extension HTTPRule {
    /// The `google.api.http` extension's field number on `google.protobuf.MethodOptions`.
    public static let extensionFieldNumber = 72_295_728

    /// Field numbers of `google.api.HttpRule` and `google.api.CustomHttpPattern`.
    private enum Field {
        static let selector = 1
        static let get = 2
        static let put = 3
        static let post = 4
        static let delete = 5
        static let patch = 6
        static let body = 7
        static let custom = 8
        static let additionalBindings = 11
        static let responseBody = 12
        static let customKind = 1
        static let customPath = 2
    }

    /// Deepest nesting of `additional_bindings` accepted; the spec allows one level, a little
    /// slack tolerates odd generators while still bounding recursion on hostile input.
    private static let maximumDepth = 8

    /// Decodes a serialized `google.api.HttpRule`.
    ///
    /// Unknown fields are skipped; later values of a singular field win and the pattern is a oneof,
    /// so the last pattern field wins, as protobuf parsing rules say.
    /// - Parameter bytes: The message bytes.
    /// - Returns: The rule.
    /// - Throws: ``WireFormatError`` if the bytes are not a valid message.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(WireFormatError) -> HTTPRule {
        try decode(bytes, depth: 0)
    }

    /// Decodes one rule, tracking the `additional_bindings` depth.
    private static func decode(_ bytes: ArraySlice<UInt8>, depth: Int) throws(WireFormatError) -> HTTPRule {
        guard depth <= maximumDepth else {
            throw WireFormatError("additional_bindings nested more than \(maximumDepth) deep")
        }
        var rule = HTTPRule(method: "", pattern: "")
        var reader = WireReader(bytes)
        while let (field, wireType) = try reader.readTag() {
            switch (field, wireType) {
            case (Field.selector, .lengthDelimited):
                rule.selector = try reader.readString()
            case (Field.get, .lengthDelimited):
                (rule.method, rule.pattern) = ("GET", try reader.readString())
            case (Field.put, .lengthDelimited):
                (rule.method, rule.pattern) = ("PUT", try reader.readString())
            case (Field.post, .lengthDelimited):
                (rule.method, rule.pattern) = ("POST", try reader.readString())
            case (Field.delete, .lengthDelimited):
                (rule.method, rule.pattern) = ("DELETE", try reader.readString())
            case (Field.patch, .lengthDelimited):
                (rule.method, rule.pattern) = ("PATCH", try reader.readString())
            case (Field.custom, .lengthDelimited):
                (rule.method, rule.pattern) = try decodeCustom(try reader.readLengthDelimited())
            case (Field.body, .lengthDelimited):
                rule.body = try reader.readString()
            case (Field.responseBody, .lengthDelimited):
                rule.responseBody = try reader.readString()
            case (Field.additionalBindings, .lengthDelimited):
                rule.additionalBindings.append(try decode(try reader.readLengthDelimited(), depth: depth + 1))
            default:
                try reader.skip(wireType)
            }
        }
        return rule
    }

    /// Decodes a `google.api.CustomHttpPattern` into (kind, path).
    private static func decodeCustom(_ bytes: ArraySlice<UInt8>) throws(WireFormatError) -> (String, String) {
        var kind = ""
        var path = ""
        var reader = WireReader(bytes)
        while let (field, wireType) = try reader.readTag() {
            switch (field, wireType) {
            case (Field.customKind, .lengthDelimited):
                kind = try reader.readString()
            case (Field.customPath, .lengthDelimited):
                path = try reader.readString()
            default:
                try reader.skip(wireType)
            }
        }
        return (kind, path)
    }

    /// Extracts the `google.api.http` rule from a method's options, whose unknown fields hold it
    /// because the runtime library does not know the extension.
    /// - Parameter unknownFields: The serialized unknown fields of `MethodOptions`.
    /// - Returns: The rule, or `nil` when the method has no annotation.
    /// - Throws: ``WireFormatError`` if the bytes are malformed.
    static func fromMethodOptions(unknownFields: [UInt8]) throws(WireFormatError) -> HTTPRule? {
        // A singular message field written more than once is merged (protobuf encoding spec,
        // "Last One Wins" for scalars, concatenation for messages): decoding the concatenation of
        // every occurrence does exactly that.
        var merged: [UInt8] = []
        var found = false
        var reader = WireReader(unknownFields[...])
        while let (field, wireType) = try reader.readTag() {
            if field == extensionFieldNumber, wireType == .lengthDelimited {
                merged.append(contentsOf: try reader.readLengthDelimited())
                found = true
            } else {
                try reader.skip(wireType)
            }
        }
        return found ? try decode(merged[...]) : nil
    }
}
