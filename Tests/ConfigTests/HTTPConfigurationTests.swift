internal import Testing

@testable internal import Config

/// `http:` (REST rules in the google.api.Service shape, JSON and streaming options) and the
/// per-route deadlines.
@Suite("HTTP configuration")
struct HTTPConfigurationTests {
    @Test("Without http: the REST policy has its documented defaults")
    func defaults() throws {
        let yaml = """
            descriptors: [x.binpb]
            backends: [{name: b, address: "127.0.0.1:1"}]
            routes: [{service: a.S, backend: b}]
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, file: "g.yaml")
        #expect(configuration.http == HTTPConfiguration())
        #expect(configuration.http.streaming == .ndjson)
        #expect(!configuration.http.json.rejectUnknownFields)
        #expect(configuration.routes[0].timeout == nil)
        #expect(configuration.routes[0].maxTimeout == nil)
    }

    @Test("Rules, bindings, options and route deadlines are read as written, in both key styles")
    func everything() throws {
        let yaml = """
            descriptors: [x.binpb]
            backends: [{name: b, address: "127.0.0.1:1"}]
            routes: [{service: a.S, backend: b, timeout: 2s, maxTimeout: 30s}]
            http:
              rules:
                - selector: a.S.Get
                  get: /v1/things/{id}
                  additional_bindings:
                    - get: /v1/other/{id}
                    - custom: {kind: HEAD, path: "/v1/things/{id}"}
                - selector: a.S.Create
                  post: /v1/things
                  body: "*"
                  responseBody: thing
                  success_status: 201
                  streaming: sse
                  json: {emit_defaults: true}
              json: {use_proto_names: true, indent: 2}
              streaming: json_array
              ignoreUnknownQueryParameters: true
              ignored_query_parameters: [api_key]
              forward_headers: [X-Request-Id]
            """
        let configuration = try GatewayConfiguration.parse(yaml: yaml, file: "g.yaml")
        let http = configuration.http
        #expect(http.rules.count == 2)
        let get = http.rules[0]
        #expect(get.selector.value == "a.S.Get")
        #expect(get.selector.location.line == 6)
        #expect(get.method == "GET")
        #expect(get.pattern.value == "/v1/things/{id}")
        #expect(get.additionalBindings.map(\.method) == ["GET", "HEAD"])
        #expect(get.additionalBindings.map(\.selector.value) == ["a.S.Get", "a.S.Get"])
        let create = http.rules[1]
        #expect(create.method == "POST")
        #expect(create.body == "*")
        #expect(create.responseBody == "thing")
        #expect(create.successStatus == 201)
        #expect(create.streaming == .sse)
        #expect(http.json.applying(create.json) == JSONOptions(emitDefaults: true, useProtoNames: true, indent: 2))
        #expect(http.json == JSONOptions(useProtoNames: true, indent: 2))
        #expect(http.streaming == .jsonArray)
        #expect(http.ignoreUnknownQueryParameters)
        #expect(http.ignoredQueryParameters == ["api_key"])
        #expect(http.forwardedHeaders == ["x-request-id"])
        #expect(configuration.routes[0].timeout == .seconds(2))
        #expect(configuration.routes[0].maxTimeout == .seconds(30))
    }
}
