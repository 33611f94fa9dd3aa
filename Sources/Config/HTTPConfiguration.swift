/// How REST/JSON requests are mapped to gRPC methods and answered (`http:` in `gateway.yaml`).
///
/// Rules use the google.api.Service shape (`google/api/http.proto`), so a service config written
/// for Envoy or ESP reads the same here. A YAML rule for a method replaces that method's
/// `google.api.http` annotation, as the spec says.
public struct HTTPConfiguration: Sendable, Hashable {
    /// Rules from `http.rules`, in file order.
    public var rules: [HTTPRuleConfiguration]
    /// ProtoJSON options for every REST route (rules may override them).
    public var json: JSONOptions
    /// How server streams are written to REST clients (rules may override it). NDJSON.
    public var streaming: StreamingFormat
    /// Unknown query parameters are ignored instead of answered 400. False.
    public var ignoreUnknownQueryParameters: Bool
    /// Query parameters always ignored (e.g. `api_key`, cache busters).
    public var ignoredQueryParameters: [String]
    /// Request headers forwarded to the backend as metadata, besides `authorization` and
    /// `grpc-metadata-<k>` (lower-cased names).
    public var forwardedHeaders: [String]

    public init(
        rules: [HTTPRuleConfiguration] = [], json: JSONOptions = JSONOptions(), streaming: StreamingFormat = .ndjson,
        ignoreUnknownQueryParameters: Bool = false, ignoredQueryParameters: [String] = [],
        forwardedHeaders: [String] = []
    ) {
        self.rules = rules
        self.json = json
        self.streaming = streaming
        self.ignoreUnknownQueryParameters = ignoreUnknownQueryParameters
        self.ignoredQueryParameters = ignoredQueryParameters
        self.forwardedHeaders = forwardedHeaders
    }
}

/// One `http.rules` entry: a method's HTTP binding, as in `google.api.HttpRule`, plus the
/// gateway's own per-rule settings.
public struct HTTPRuleConfiguration: Sendable, Hashable {
    /// The method, `package.Service.Method`, with its location (checked against the descriptors).
    public var selector: Located<String>
    /// `GET`, `PUT`, `POST`, `DELETE`, `PATCH`, or a `custom` kind (`HEAD`, `*` for any).
    public var method: String
    /// The path template, with its location (parsed by the routing module, whose errors point here).
    public var pattern: Located<String>
    /// `*`, a top-level request field, or "" (no body).
    public var body: String
    /// A top-level response field to answer with instead of the whole message; "" for the whole.
    public var responseBody: String
    /// More bindings for the same method (one level deep, as the spec allows).
    public var additionalBindings: [HTTPRuleConfiguration]
    /// The HTTP status of a successful reply (e.g. 201); nil: 200.
    public var successStatus: Int?
    /// Streaming format for this rule; nil: the gateway's.
    public var streaming: StreamingFormat?
    /// JSON options for this rule; each unset field keeps the gateway's value.
    public var json: JSONOptions.Override
    /// Where the rule starts in the YAML.
    public var location: SourceLocation

    public init(
        selector: Located<String>, method: String, pattern: Located<String>, body: String = "",
        responseBody: String = "", additionalBindings: [HTTPRuleConfiguration] = [], successStatus: Int? = nil,
        streaming: StreamingFormat? = nil, json: JSONOptions.Override = .init(), location: SourceLocation = .unspecified
    ) {
        self.selector = selector
        self.method = method
        self.pattern = pattern
        self.body = body
        self.responseBody = responseBody
        self.additionalBindings = additionalBindings
        self.successStatus = successStatus
        self.streaming = streaming
        self.json = json
        self.location = location
    }
}

/// ProtoJSON print and parse options (protobuf.dev/programming-guides/json, "JSON options").
public struct JSONOptions: Sendable, Hashable {
    /// Print fields without presence even at their default value (Envoy's
    /// `always_print_primitive_fields`). False.
    public var emitDefaults: Bool
    /// Print the proto field names instead of lowerCamel JSON names. False.
    public var useProtoNames: Bool
    /// Print enums as numbers instead of names. False.
    public var enumsAsNumbers: Bool
    /// Spaces of indentation; 0 prints compact JSON. 0.
    public var indent: Int
    /// Answer 400 to a request with an unknown field instead of ignoring it (every peer ignores
    /// them by default, so a user coming from Envoy expects that). False.
    public var rejectUnknownFields: Bool

    public init(
        emitDefaults: Bool = false, useProtoNames: Bool = false, enumsAsNumbers: Bool = false, indent: Int = 0,
        rejectUnknownFields: Bool = false
    ) {
        self.emitDefaults = emitDefaults
        self.useProtoNames = useProtoNames
        self.enumsAsNumbers = enumsAsNumbers
        self.indent = indent
        self.rejectUnknownFields = rejectUnknownFields
    }

    /// Per-rule changes: each non-nil field replaces the gateway's.
    public struct Override: Sendable, Hashable {
        public var emitDefaults: Bool?
        public var useProtoNames: Bool?
        public var enumsAsNumbers: Bool?
        public var indent: Int?
        public var rejectUnknownFields: Bool?

        public init(
            emitDefaults: Bool? = nil, useProtoNames: Bool? = nil, enumsAsNumbers: Bool? = nil, indent: Int? = nil,
            rejectUnknownFields: Bool? = nil
        ) {
            self.emitDefaults = emitDefaults
            self.useProtoNames = useProtoNames
            self.enumsAsNumbers = enumsAsNumbers
            self.indent = indent
            self.rejectUnknownFields = rejectUnknownFields
        }
    }

    /// These options with `override`'s set fields applied.
    public func applying(_ override: Override) -> JSONOptions {
        JSONOptions(
            emitDefaults: override.emitDefaults ?? emitDefaults, useProtoNames: override.useProtoNames ?? useProtoNames,
            enumsAsNumbers: override.enumsAsNumbers ?? enumsAsNumbers, indent: override.indent ?? indent,
            rejectUnknownFields: override.rejectUnknownFields ?? rejectUnknownFields)
    }
}

/// How a server stream reaches a REST client, one message per chunk as it arrives.
public enum StreamingFormat: String, Sendable, Hashable, CaseIterable {
    /// Newline-delimited JSON: one message per line, no envelope (`application/x-ndjson`).
    case ndjson
    /// One JSON array, `[` first and `]` last (`application/json`).
    case jsonArray = "json_array"
    /// Server-Sent Events: `data: {...}` per message (`text/event-stream`).
    case sse
}
