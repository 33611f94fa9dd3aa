public import Backend
public import Config
internal import Frontend
public import ProtoJSON
public import Routing
public import Schema
internal import Foundation

/// Everything the workers need, derived once from `gateway.yaml` and the descriptor sets, then
/// frozen and shared read-only by every worker thread.
///
/// Building it checks what the YAML checks alone cannot: that each descriptor file loads, that
/// each routed service exists in them, and that each backend address resolves (to all of its
/// addresses: each becomes an endpoint). Every failure is a ``ConfigError`` carrying the YAML
/// location of the entry at fault. Names are re-resolved later from ``resolvers``.
public struct GatewayPlan: Sendable {
    /// How a method's calls are routed and answered.
    public struct MethodRoute: Sendable {
        /// The method as described by the descriptors.
        public let method: MethodSchema
        /// Index into ``backends``.
        public let backendIndex: Int
        /// The deadline rules of the method's route.
        public let deadlines: DeadlinePolicy
    }

    /// How a call's deadline follows from the client's `grpc-timeout` and the route.
    public struct DeadlinePolicy: Sendable {
        /// Used when the client sent no deadline; nil for streaming methods (streams have no
        /// default deadline, so a long stream is never cut by one).
        public let defaultNanoseconds: Int64?
        /// A longer client deadline is shortened to this.
        public let maxNanoseconds: Int64?

        /// The deadline to enforce and send to the backend, nil for none.
        public func effective(clientNanoseconds: Int64?) -> Int64? {
            guard let requested = clientNanoseconds ?? defaultNanoseconds else { return nil }
            return maxNanoseconds.map { min($0, requested) } ?? requested
        }
    }

    /// The configuration as written.
    public let configuration: GatewayConfiguration
    /// The loaded descriptors.
    public let schema: DescriptorPool
    /// The JSON codec's tables for `schema`, built once (they cost more than many calls).
    public let json: ProtoJSONCodec
    /// One entry per configured backend, in configuration order.
    public let backends: [BackendCluster.Configuration]
    /// Each backend's names and their start-up answers, parallel to ``backends``: the seed of
    /// the periodic re-resolution (`dns_refresh`).
    public let resolvers: [EndpointResolver]
    /// Routed methods by gRPC path (`/package.Service/Method`).
    private let routesByPath: [String: MethodRoute]
    /// REST bindings (annotations and `http.rules`) of the routed methods.
    public let restRoutes: RouteTable<RESTRoute>

    /// The route for a gRPC path, nil if no routed service has that method.
    public func route(forPath path: String) -> MethodRoute? {
        routesByPath[path]
    }

    /// Number of REST bindings (each rule and each of its additional bindings).
    public var restBindingCount: Int { restRoutes.count }

    /// Number of methods the gateway routes.
    public var methodCount: Int { routesByPath.count }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Binds `configuration` to its descriptor sets and backends.
    /// - Throws: ``ConfigError`` with the YAML location of the entry that is wrong.
    public static func make(configuration: GatewayConfiguration) throws(ConfigError) -> GatewayPlan {
        var sets: [[UInt8]] = []
        for file in configuration.descriptorFiles {
            guard let data = FileManager.default.contents(atPath: file.value) else {
                throw ConfigError(location: file.location, message: "cannot read descriptor set \(file.value)")
            }
            sets.append(Array(data))
        }
        let schema: DescriptorPool
        do {
            schema = try DescriptorPool(fileDescriptorSets: sets)
        } catch {
            throw ConfigError(location: configuration.descriptorFiles.first?.location, message: "descriptor sets: \(error)")
        }

        if let files = configuration.listen.tls {
            do {
                _ = try TLSServerContext(certificateFile: files.certificateFile, keyFile: files.keyFile)
            } catch {
                throw ConfigError(location: nil, message: "\(configuration.file): listen.tls: \(error.description)")
            }
        }
        var backends: [BackendCluster.Configuration] = []
        var resolvers: [EndpointResolver] = []
        var backendIndex: [String: Int] = [:]
        for backend in configuration.backends {
            let tls = backend.tls.map {
                TLSConfiguration(caFile: $0.caFile, certificateFile: $0.certificateFile, keyFile: $0.keyFile, serverName: $0.serverName)
            }
            if let tls {
                do {
                    try BackendCluster.validateTLS(tls)
                } catch {
                    throw ConfigError(location: backend.location, message: "backend \(backend.name): \(error.description)")
                }
            }
            let resolver: EndpointResolver
            do {
                resolver = try EndpointResolver(
                    backend: backend.name, entries: backend.endpoints.map { .init(host: $0.host, port: $0.port) },
                    refreshInterval: backend.dnsRefresh)
            } catch {
                throw ConfigError(location: backend.location, message: "backend \(backend.name): \(error.description)")
            }
            resolvers.append(resolver)
            backendIndex[backend.name] = backends.count
            backends.append(
                BackendCluster.Configuration(
                    name: backend.name, endpoints: resolver.endpoints,
                    balancing: backend.balancing == .leastRequest ? .leastRequest : .roundRobin,
                    connectTimeout: backend.connectTimeout, maxConcurrentCalls: backend.maxConcurrentCalls,
                    streamWindow: backend.streamWindow, connectionWindow: backend.connectionWindow,
                    keepaliveInterval: backend.keepalive.interval, keepaliveTimeout: backend.keepalive.timeout,
                    healthCheck: backend.healthCheck.map {
                        .init(
                            interval: $0.interval, timeout: $0.timeout, unhealthyThreshold: $0.unhealthyThreshold,
                            healthyThreshold: $0.healthyThreshold, service: $0.service)
                    }, tls: tls))
        }

        var routes: [String: MethodRoute] = [:]
        for route in configuration.routes {
            guard let service = schema.service(named: route.service.value) else {
                let known = schema.services.map(\.fullName).sorted().joined(separator: ", ")
                throw ConfigError(
                    location: route.service.location,
                    message: "service \(route.service.value) is not in the descriptor sets (they define: \(known.isEmpty ? "no services" : known))")
            }
            guard let index = backendIndex[route.backend] else {
                throw ConfigError(location: route.service.location, message: "route names unknown backend \(route.backend)")
            }
            for method in service.methods {
                let streams = method.clientStreaming || method.serverStreaming
                let deadlines = DeadlinePolicy(
                    defaultNanoseconds: streams ? nil : route.timeout.map(Self.nanoseconds),
                    maxNanoseconds: route.maxTimeout.map(Self.nanoseconds))
                routes[method.path] = MethodRoute(method: method, backendIndex: index, deadlines: deadlines)
            }
        }
        let restRoutes = try RESTRouteTableBuilder.build(configuration: configuration, schema: schema, methods: routes)
        return GatewayPlan(
            configuration: configuration, schema: schema, json: ProtoJSONCodec(pool: schema), backends: backends,
            resolvers: resolvers, routesByPath: routes, restRoutes: restRoutes)
    }
}
