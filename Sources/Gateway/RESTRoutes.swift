public import Config
public import Routing
public import Schema

/// One REST binding, ready to serve: the matched rule's binding and the settings of the call it
/// makes. Built once at start and shared by every worker.
public struct RESTRoute: Sendable {
    /// The HTTP binding (template, body and response mapping, resolved field paths).
    public let binding: HTTPBinding
    /// The gRPC method and the backend it goes to.
    public let target: GatewayPlan.MethodRoute
    /// JSON options after the rule's overrides.
    public let json: JSONOptions
    /// How a server stream is written.
    public let streaming: StreamingFormat
    /// The status of a successful reply (the rule's `success_status`), 200 by default.
    public let successStatus: Int
}

/// Builds the REST route table from the descriptors' `google.api.http` annotations and the YAML
/// `http.rules`, for the methods of routed services.
///
/// A YAML rule for a method replaces that method's annotation, as http.proto says ("any rule in
/// the service config overrides the annotation"). Every problem stops the start with a location:
/// a selector naming no routed method, a template that does not parse, a field that does not
/// exist or has the wrong kind, or two bindings that can match the same request.
enum RESTRouteTableBuilder {
    static func build(
        configuration: GatewayConfiguration, schema: DescriptorPool, methods: [String: GatewayPlan.MethodRoute]
    ) throws(ConfigError) -> RouteTable<RESTRoute> {
        let http = configuration.http
        var methodsByName: [String: GatewayPlan.MethodRoute] = [:]
        for route in methods.values {
            methodsByName[route.method.fullName] = route
        }

        // YAML rules by selector, last one wins (google.api.Http: "rules … last one wins").
        var yamlRules: [String: HTTPRuleConfiguration] = [:]
        for rule in http.rules {
            guard methodsByName[rule.selector.value] != nil else {
                let reason =
                    schema.method(fullName: rule.selector.value) == nil
                    ? "names no method in the descriptor sets"
                    : "names a method of a service that no route sends to a backend"
                throw ConfigError(
                    location: rule.selector.location, message: "http rule selector \(rule.selector.value) \(reason)")
            }
            yamlRules[rule.selector.value] = rule
        }

        var builder = RouteTable<RESTRoute>.Builder()
        var locations: [SourceLocation] = []
        for name in methodsByName.keys.sorted() {
            guard let target = methodsByName[name] else { continue }
            let fallbackLocation = configuration.routes.first { $0.service.value == target.method.serviceName }?
                .service.location
            let rule: HTTPRule
            let yaml = yamlRules[name]
            if let yaml {
                rule = schemaRule(yaml)
            } else if let annotation = target.method.httpRules.first {
                rule = annotation
            } else {
                continue
            }
            let bindings: [HTTPBinding]
            do {
                bindings = try HTTPBinding.resolve(rule, for: target.method, in: schema)
            } catch {
                let origin = yaml == nil ? "google.api.http annotation of \(name): " : ""
                throw ConfigError(location: yaml?.pattern.location ?? fallbackLocation, message: "\(origin)\(error.description)")
            }
            for binding in bindings {
                // An additional binding's own settings and location, over its rule's.
                let bindingYAML = binding.bindingIndex == 0 ? nil : yaml?.additionalBindings[binding.bindingIndex - 1]
                let extras = RuleExtras(http: http, rule: yaml, binding: bindingYAML)
                let location = (bindingYAML ?? yaml)?.pattern.location ?? fallbackLocation
                let route = RESTRoute(
                    binding: binding, target: target, json: extras.json, streaming: extras.streaming,
                    successStatus: extras.successStatus)
                do {
                    _ = try builder.add(binding, payload: route)
                    locations.append(location ?? .unspecified)
                } catch {
                    let other = error.routes.first.map { locations.indices.contains($0) ? " (the other is at \(locations[$0]))" : "" } ?? ""
                    throw ConfigError(location: location, message: "\(error.description)\(other)")
                }
            }
        }
        return builder.build()
    }

    /// The gateway's per-rule settings, with the gateway-wide defaults.
    private struct RuleExtras {
        var json: JSONOptions
        var streaming: StreamingFormat
        var successStatus: Int

        init(http: HTTPConfiguration, rule: HTTPRuleConfiguration? = nil, binding: HTTPRuleConfiguration? = nil) {
            json = http.json.applying(rule?.json ?? .init()).applying(binding?.json ?? .init())
            streaming = binding?.streaming ?? rule?.streaming ?? http.streaming
            successStatus = binding?.successStatus ?? rule?.successStatus ?? 200
        }
    }

    /// A YAML rule in the Schema module's HttpRule shape, which the routing module resolves.
    private static func schemaRule(_ rule: HTTPRuleConfiguration) -> HTTPRule {
        HTTPRule(
            selector: rule.selector.value, method: rule.method, pattern: rule.pattern.value, body: rule.body,
            responseBody: rule.responseBody, additionalBindings: rule.additionalBindings.map(schemaRule))
    }
}
