internal import Foundation
internal import Yams

extension GatewayConfiguration {
    /// The keys of each mapping, in the order error messages list them.
    private enum Keys {
        static let top = [
            "listen", "workers", "descriptors", "backends", "routes", "cors", "limits", "http", "admin", "access_log",
        ]
        static let admin = ["host", "port"]
        static let accessLog = ["path"]
        static let listen = ["host", "port", "reuse_port", "tls"]
        static let serverTLS = ["cert_file", "key_file"]
        static let backend = [
            "name", "address", "endpoints", "balancing", "dns_refresh", "connect_timeout", "max_concurrent_calls",
            "keepalive", "health_check", "tls", "stream_window", "connection_window",
        ]
        static let keepalive = ["interval", "timeout"]
        static let healthCheck = ["interval", "timeout", "unhealthy_threshold", "healthy_threshold", "service"]
        static let tls = ["ca_file", "cert_file", "key_file", "server_name"]
        static let route = ["service", "backend", "timeout", "max_timeout"]
        static let http = [
            "rules", "json", "streaming", "ignore_unknown_query_parameters", "ignored_query_parameters",
            "forward_headers",
        ]
        static let rule = [
            "selector", "get", "put", "post", "delete", "patch", "custom", "body", "response_body",
            "additional_bindings", "success_status", "streaming", "json",
        ]
        static let customPattern = ["kind", "path"]
        static let json = ["emit_defaults", "use_proto_names", "enums_as_numbers", "indent", "reject_unknown_fields"]
        static let cors = ["allowed_origins", "allow_credentials", "allowed_headers", "expose_headers", "max_age"]
        static let limits = [
            "max_request_body", "max_response_message", "max_request_headers", "max_connections", "idle_timeout",
            "header_read_timeout", "drain_timeout",
        ]
    }

    /// Reads and parses a configuration file.
    ///
    /// - Parameter path: The file's path, absolute or relative to the working directory. It is
    ///   printed in error locations exactly as given.
    /// - Returns: The checked configuration.
    /// - Throws: ``ConfigError``: with no position when the file cannot be read, otherwise at the
    ///   offending node (see ``parse(yaml:file:)``).
    public static func load(path: String) throws(ConfigError) -> GatewayConfiguration {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(code: .unreadableFile, file: path, message: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw ConfigError(code: .unreadableFile, file: path, message: "is a directory, not a configuration file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(code: .unreadableFile, file: path, message: "cannot be read (check its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(code: .unreadableFile, file: path, message: "is not UTF-8 text")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses configuration text and runs every check that needs no descriptor sets.
    ///
    /// Checks: YAML syntax; no unknown keys (each key also accepted in lowerCamel); the type and
    /// range of every value; durations and sizes; `host:port` addresses; unique backend names;
    /// every route's backend defined; one route per service; `*` origins without credentials.
    /// The first problem found stops parsing.
    ///
    /// - Parameters:
    ///   - yaml: The file's text.
    ///   - file: The file's path, printed in error locations as given; relative `descriptors:`
    ///     entries are resolved against its folder (and the working directory when it is relative).
    /// - Returns: The checked configuration.
    /// - Throws: ``ConfigError`` with the offending node's `file:line:column`.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> GatewayConfiguration {
        let reader = NodeReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw syntaxError(error, file: file)
        }
        guard let root else {
            throw ConfigError(
                code: .missingKey,
                file: file,
                message: "the file has no settings; it needs at least descriptors, backends and routes"
            )
        }
        let top = try reader.mapping(root, path: "", keys: Keys.top)

        var configuration = GatewayConfiguration(file: file)
        if let node = top.optional("listen") {
            configuration.listen = try parseListener(node, reader: reader)
        }
        if let node = top.optional("workers") {
            configuration.workers = try reader.integer(node, path: "workers", range: 0...256)
        }
        configuration.descriptorFiles = try parseDescriptors(try top.required("descriptors"), reader: reader)
        configuration.backends = try parseBackends(try top.required("backends"), reader: reader)
        configuration.routes = try parseRoutes(
            try top.required("routes"),
            backends: configuration.backends,
            reader: reader
        )
        if let node = top.optional("cors") {
            configuration.cors = try parseCORS(node, reader: reader)
        }
        if let node = top.optional("limits") {
            configuration.limits = try parseLimits(node, reader: reader)
        }
        if let node = top.optional("http") {
            configuration.http = try parseHTTP(node, reader: reader)
        }
        if let node = top.optional("admin") {
            let fields = try reader.mapping(node, path: "admin", keys: Keys.admin)
            var admin = AdminListener()
            if let value = fields.optional("host") {
                admin.host = try reader.nonEmptyString(value, path: "admin.host")
            }
            if let value = fields.optional("port") {
                admin.port = try reader.integer(value, path: "admin.port", range: 0...65535)
            }
            if admin.port != 0, admin.port == configuration.listen.port {
                throw reader.error(.conflict, at: node, path: "admin.port", "the admin port must differ from listen.port")
            }
            configuration.admin = admin
        }
        if let node = top.optional("access_log") {
            let fields = try reader.mapping(node, path: "access_log", keys: Keys.accessLog)
            var log = AccessLog()
            if let value = fields.optional("path") {
                let path = try reader.nonEmptyString(value, path: "access_log.path")
                log.path = path == "-" ? path : reader.resolvePath(path)
            }
            configuration.accessLog = log
        }
        return configuration
    }

    /// Turns a Yams error into a located ``ConfigError``; libyaml reports 1-based positions.
    private static func syntaxError(_ error: any Error, file: String) -> ConfigError {
        let located: (problem: String, mark: Mark, context: YamlError.Context?)?
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            located = (problem, mark, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(
                code: .duplicateKey,
                location: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                message: "key \(keys) appears more than once in this mapping (first here); write each key once"
            )
        default:
            located = nil
        }
        guard let located else {
            return ConfigError(code: .syntax, file: file, message: "invalid YAML: \(error)")
        }
        var message = "invalid YAML: \(located.problem)"
        if let context = located.context {
            message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        return ConfigError(
            code: .syntax,
            location: SourceLocation(file: file, line: located.mark.line, column: located.mark.column),
            message: message
        )
    }

    /// Reads `listen:`.
    private static func parseListener(_ node: Node, reader: NodeReader) throws(ConfigError) -> Listener {
        let fields = try reader.mapping(node, path: "listen", keys: Keys.listen)
        var listener = Listener()
        if let hostNode = fields.optional("host") {
            var host = try reader.nonEmptyString(hostNode, path: "listen.host")
            if host.hasPrefix("["), host.hasSuffix("]") {
                host = String(host.dropFirst().dropLast())
            }
            guard AddressSyntax.isHostName(host) || AddressSyntax.isIPv6(host) else {
                throw reader.error(
                    .invalidAddress,
                    at: hostNode,
                    path: "listen.host",
                    "\(reader.quote(host)) is not a host name, IPv4 address or IPv6 address"
                )
            }
            listener.host = host
        }
        if let portNode = fields.optional("port") {
            listener.port = try reader.integer(portNode, path: "listen.port", range: 0...65535)
        }
        if let node = fields.optional("reuse_port") {
            listener.reusePort = try reader.bool(node, path: "listen.reuse_port")
        }
        if let node = fields.optional("tls") {
            let tls = try reader.mapping(node, path: "listen.tls", keys: Keys.serverTLS)
            func file(_ key: String) throws(ConfigError) -> String {
                let value = try tls.required(key)
                let resolved = reader.resolvePath(try reader.nonEmptyString(value, path: tls.pathOf(key)))
                guard FileManager.default.isReadableFile(atPath: resolved) else {
                    throw reader.error(.unreadableFile, at: value, path: tls.pathOf(key), "cannot read \(resolved)")
                }
                return resolved
            }
            listener.tls = ServerTLS(certificateFile: try file("cert_file"), keyFile: try file("key_file"))
        }
        return listener
    }

    /// Reads `descriptors:` and resolves each entry against the configuration file's folder.
    private static func parseDescriptors(_ node: Node, reader: NodeReader) throws(ConfigError) -> [Located<String>] {
        let items = try reader.sequence(node, path: "descriptors")
        guard !items.isEmpty else {
            throw reader.error(.missingKey, at: node, path: "descriptors", "must list at least one descriptor set file")
        }
        var files: [Located<String>] = []
        for (index, item) in items.enumerated() {
            let path = try reader.nonEmptyString(item, path: "descriptors[\(index)]")
            let resolved = reader.resolvePath(path)
            files.append(Located(resolved, at: reader.location(of: item) ?? .unspecified))
        }
        return files
    }

    /// Reads `backends:`: names unique and well-formed, addresses `host:port`.
    private static func parseBackends(_ node: Node, reader: NodeReader) throws(ConfigError) -> [Backend] {
        let items = try reader.sequence(node, path: "backends")
        guard !items.isEmpty else {
            throw reader.error(.missingKey, at: node, path: "backends", "must list at least one backend")
        }
        var backends: [Backend] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "backends[\(index)]"
            let fields = try reader.mapping(item, path: path, keys: Keys.backend)

            let nameNode = try fields.required("name")
            let name = try reader.nonEmptyString(nameNode, path: fields.pathOf("name"))
            guard isBackendName(name) else {
                throw reader.error(
                    .invalidValue,
                    at: nameNode,
                    path: fields.pathOf("name"),
                    "\(reader.quote(name)) may only use letters, digits, '_', '.' and '-'"
                )
            }
            if let earlier = seen[name] {
                let line = backends[earlier].location.line
                throw reader.error(
                    .duplicateEntry,
                    at: nameNode,
                    path: fields.pathOf("name"),
                    "backend \(reader.quote(name)) is already defined by backends[\(earlier)] (line \(line))"
                )
            }

            let location = reader.location(of: item) ?? .unspecified
            var backend = Backend(
                name: name,
                endpoints: try parseEndpoints(fields, at: item, reader: reader),
                location: location
            )
            if let timeoutNode = fields.optional("connect_timeout") {
                backend.connectTimeout = try reader.duration(timeoutNode, path: fields.pathOf("connect_timeout"))
            }
            if let node = fields.optional("balancing") {
                let value = try reader.nonEmptyString(node, path: fields.pathOf("balancing"))
                guard let balancing = Backend.Balancing(rawValue: value) else {
                    let allowed = Backend.Balancing.allCases.map(\.rawValue).joined(separator: ", ")
                    throw reader.error(
                        .invalidValue, at: node, path: fields.pathOf("balancing"),
                        "\(reader.quote(value)) is not a balancing policy; use one of: \(allowed)")
                }
                backend.balancing = balancing
            }
            if let node = fields.optional("dns_refresh") {
                // 0s: resolve once at start and never again.
                backend.dnsRefresh = try reader.duration(node, path: fields.pathOf("dns_refresh"), allowZero: true)
            }
            if let node = fields.optional("max_concurrent_calls") {
                backend.maxConcurrentCalls = try reader.integer(
                    node, path: fields.pathOf("max_concurrent_calls"), range: 1...1_000_000)
            }
            if let node = fields.optional("keepalive") {
                backend.keepalive = try parseKeepalive(node, path: fields.pathOf("keepalive"), reader: reader)
            }
            if let node = fields.optional("health_check") {
                backend.healthCheck = try parseHealthCheck(node, path: fields.pathOf("health_check"), reader: reader)
            }
            if let node = fields.optional("tls") {
                backend.tls = try parseTLS(node, path: fields.pathOf("tls"), reader: reader)
            }
            // HTTP/2 windows: at least the 64 KiB - 1 default, at most 2^31 - 1 (RFC 9113 §6.9.1).
            if let node = fields.optional("stream_window") {
                backend.streamWindow = try reader.size(node, path: fields.pathOf("stream_window"), range: 65_535...Int(Int32.max))
            }
            if let node = fields.optional("connection_window") {
                backend.connectionWindow = try reader.size(
                    node, path: fields.pathOf("connection_window"), range: 65_535...Int(Int32.max))
            }
            seen[name] = backends.count
            backends.append(backend)
        }
        return backends
    }

    /// Reads a backend's endpoints: exactly one of `address:` (one `host:port`) or `endpoints:`
    /// (a non-empty list of them, no duplicates).
    private static func parseEndpoints(
        _ fields: Fields, at item: Node, reader: NodeReader
    ) throws(ConfigError) -> [Backend.Endpoint] {
        let addressNode = fields.optional("address")
        let endpointsNode = fields.optional("endpoints")
        switch (addressNode, endpointsNode) {
        case (let node?, nil):
            let address = try reader.nonEmptyString(node, path: fields.pathOf("address"))
            let (host, port) = try parseAddress(address, node: node, path: fields.pathOf("address"), reader: reader)
            return [Backend.Endpoint(host: host, port: port)]
        case (nil, let node?):
            let items = try reader.sequence(node, path: fields.pathOf("endpoints"))
            guard !items.isEmpty else {
                throw reader.error(.missingKey, at: node, path: fields.pathOf("endpoints"), "must list at least one host:port")
            }
            var endpoints: [Backend.Endpoint] = []
            for (index, entry) in items.enumerated() {
                let path = "\(fields.pathOf("endpoints"))[\(index)]"
                let address = try reader.nonEmptyString(entry, path: path)
                let (host, port) = try parseAddress(address, node: entry, path: path, reader: reader)
                let endpoint = Backend.Endpoint(host: host, port: port)
                guard !endpoints.contains(endpoint) else {
                    throw reader.error(.duplicateEntry, at: entry, path: path, "\(reader.quote(address)) is listed twice")
                }
                endpoints.append(endpoint)
            }
            return endpoints
        case (.some, .some):
            throw reader.error(
                .conflict, at: item, path: fields.pathOf("endpoints"),
                "give either address (one endpoint) or endpoints (several), not both")
        case (nil, nil):
            throw reader.error(
                .missingKey, at: item, path: fields.pathOf("address"),
                "required key is missing: give address (host:port) or endpoints (a list of host:port)")
        }
    }

    private static func parseKeepalive(_ node: Node, path: String, reader: NodeReader) throws(ConfigError) -> Backend.Keepalive {
        let fields = try reader.mapping(node, path: path, keys: Keys.keepalive)
        var keepalive = Backend.Keepalive()
        if let value = fields.optional("interval") {
            keepalive.interval = try reader.duration(value, path: fields.pathOf("interval"))
        }
        if let value = fields.optional("timeout") {
            keepalive.timeout = try reader.duration(value, path: fields.pathOf("timeout"))
        }
        return keepalive
    }

    private static func parseHealthCheck(_ node: Node, path: String, reader: NodeReader) throws(ConfigError) -> Backend.HealthCheck {
        let fields = try reader.mapping(node, path: path, keys: Keys.healthCheck)
        var check = Backend.HealthCheck()
        if let value = fields.optional("interval") {
            check.interval = try reader.duration(value, path: fields.pathOf("interval"))
        }
        if let value = fields.optional("timeout") {
            check.timeout = try reader.duration(value, path: fields.pathOf("timeout"))
        }
        if let value = fields.optional("unhealthy_threshold") {
            check.unhealthyThreshold = try reader.integer(value, path: fields.pathOf("unhealthy_threshold"), range: 1...100)
        }
        if let value = fields.optional("healthy_threshold") {
            check.healthyThreshold = try reader.integer(value, path: fields.pathOf("healthy_threshold"), range: 1...100)
        }
        if let value = fields.optional("service") {
            check.service = try reader.string(value, path: fields.pathOf("service"))
        }
        return check
    }

    private static func parseTLS(_ node: Node, path: String, reader: NodeReader) throws(ConfigError) -> Backend.TLS {
        let fields = try reader.mapping(node, path: path, keys: Keys.tls)
        var tls = Backend.TLS()
        func file(_ key: String) throws(ConfigError) -> String? {
            guard let value = fields.optional(key) else { return nil }
            let path = try reader.nonEmptyString(value, path: fields.pathOf(key))
            let resolved = reader.resolvePath(path)
            guard FileManager.default.isReadableFile(atPath: resolved) else {
                throw reader.error(.unreadableFile, at: value, path: fields.pathOf(key), "cannot read \(resolved)")
            }
            return resolved
        }
        tls.caFile = try file("ca_file")
        tls.certificateFile = try file("cert_file")
        tls.keyFile = try file("key_file")
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw reader.error(.conflict, at: node, path: path, "cert_file and key_file go together: give both or neither")
        }
        if let value = fields.optional("server_name") {
            tls.serverName = try reader.nonEmptyString(value, path: fields.pathOf("server_name"))
        }
        return tls
    }

    /// Reads `http:`: rules in the google.api.Service shape and the REST policy.
    private static func parseHTTP(_ node: Node, reader: NodeReader) throws(ConfigError) -> HTTPConfiguration {
        let fields = try reader.mapping(node, path: "http", keys: Keys.http)
        var http = HTTPConfiguration()
        if let rulesNode = fields.optional("rules") {
            let items = try reader.sequence(rulesNode, path: "http.rules")
            for (index, item) in items.enumerated() {
                http.rules.append(try parseRule(item, path: "http.rules[\(index)]", nested: false, reader: reader))
            }
        }
        if let value = fields.optional("json") {
            let override = try parseJSONOptions(value, path: "http.json", reader: reader)
            http.json = http.json.applying(override)
        }
        if let value = fields.optional("streaming") {
            http.streaming = try parseStreamingFormat(value, path: "http.streaming", reader: reader)
        }
        if let value = fields.optional("ignore_unknown_query_parameters") {
            http.ignoreUnknownQueryParameters = try reader.bool(value, path: "http.ignore_unknown_query_parameters")
        }
        if let value = fields.optional("ignored_query_parameters") {
            http.ignoredQueryParameters = try stringList(value, path: "http.ignored_query_parameters", reader: reader)
        }
        if let value = fields.optional("forward_headers") {
            http.forwardedHeaders = try stringList(value, path: "http.forward_headers", reader: reader).map { $0.lowercased() }
        }
        return http
    }

    /// Reads one HttpRule. Exactly one of get/put/post/delete/patch/custom; additional_bindings
    /// only at the top level (http.proto: "nested … one level deep only").
    private static func parseRule(
        _ node: Node, path: String, nested: Bool, reader: NodeReader
    ) throws(ConfigError) -> HTTPRuleConfiguration {
        let fields = try reader.mapping(node, path: path, keys: Keys.rule)
        let location = reader.location(of: node) ?? .unspecified
        var selector = Located("", at: location)
        if let value = fields.optional("selector") {
            selector = Located(try reader.nonEmptyString(value, path: fields.pathOf("selector")), at: reader.location(of: value) ?? location)
        } else if !nested {
            throw reader.error(.missingKey, at: node, path: fields.pathOf("selector"), "required key is missing: name the method as package.Service.Method")
        }
        var bindings: [(method: String, pattern: Located<String>)] = []
        for verb in ["get", "put", "post", "delete", "patch"] {
            if let value = fields.optional(verb) {
                let pattern = try reader.nonEmptyString(value, path: fields.pathOf(verb))
                bindings.append((verb.uppercased(), Located(pattern, at: reader.location(of: value) ?? location)))
            }
        }
        if let value = fields.optional("custom") {
            let custom = try reader.mapping(value, path: fields.pathOf("custom"), keys: Keys.customPattern)
            let kind = try reader.nonEmptyString(try custom.required("kind"), path: custom.pathOf("kind"))
            let pathNode = try custom.required("path")
            let pattern = try reader.nonEmptyString(pathNode, path: custom.pathOf("path"))
            bindings.append((kind.uppercased(), Located(pattern, at: reader.location(of: pathNode) ?? location)))
        }
        guard bindings.count == 1, let binding = bindings.first else {
            throw reader.error(
                bindings.isEmpty ? .missingKey : .conflict, at: node, path: path,
                bindings.isEmpty
                    ? "a rule needs one of get, put, post, delete, patch or custom"
                    : "a rule has exactly one of get, put, post, delete, patch or custom, not several")
        }
        var rule = HTTPRuleConfiguration(selector: selector, method: binding.method, pattern: binding.pattern, location: location)
        if let value = fields.optional("body") {
            rule.body = try reader.string(value, path: fields.pathOf("body"))
        }
        if let value = fields.optional("response_body") {
            rule.responseBody = try reader.string(value, path: fields.pathOf("response_body"))
        }
        if let value = fields.optional("success_status") {
            rule.successStatus = try reader.integer(value, path: fields.pathOf("success_status"), range: 200...299)
        }
        if let value = fields.optional("streaming") {
            rule.streaming = try parseStreamingFormat(value, path: fields.pathOf("streaming"), reader: reader)
        }
        if let value = fields.optional("json") {
            rule.json = try parseJSONOptions(value, path: fields.pathOf("json"), reader: reader)
        }
        if let value = fields.optional("additional_bindings") {
            guard !nested else {
                throw reader.error(
                    .invalidValue, at: value, path: fields.pathOf("additional_bindings"),
                    "additional_bindings may not be nested inside additional_bindings (http.proto allows one level)")
            }
            let items = try reader.sequence(value, path: fields.pathOf("additional_bindings"))
            for (index, item) in items.enumerated() {
                var binding = try parseRule(item, path: "\(fields.pathOf("additional_bindings"))[\(index)]", nested: true, reader: reader)
                if binding.selector.value.isEmpty {
                    binding.selector = selector
                }
                rule.additionalBindings.append(binding)
            }
        }
        return rule
    }

    private static func parseJSONOptions(_ node: Node, path: String, reader: NodeReader) throws(ConfigError) -> JSONOptions.Override {
        let fields = try reader.mapping(node, path: path, keys: Keys.json)
        var override = JSONOptions.Override()
        if let value = fields.optional("emit_defaults") {
            override.emitDefaults = try reader.bool(value, path: fields.pathOf("emit_defaults"))
        }
        if let value = fields.optional("use_proto_names") {
            override.useProtoNames = try reader.bool(value, path: fields.pathOf("use_proto_names"))
        }
        if let value = fields.optional("enums_as_numbers") {
            override.enumsAsNumbers = try reader.bool(value, path: fields.pathOf("enums_as_numbers"))
        }
        if let value = fields.optional("indent") {
            override.indent = try reader.integer(value, path: fields.pathOf("indent"), range: 0...8)
        }
        if let value = fields.optional("reject_unknown_fields") {
            override.rejectUnknownFields = try reader.bool(value, path: fields.pathOf("reject_unknown_fields"))
        }
        return override
    }

    private static func parseStreamingFormat(_ node: Node, path: String, reader: NodeReader) throws(ConfigError) -> StreamingFormat {
        let value = try reader.nonEmptyString(node, path: path)
        guard let format = StreamingFormat(rawValue: value) else {
            let allowed = StreamingFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw reader.error(.invalidValue, at: node, path: path, "\(reader.quote(value)) is not a streaming format; use one of: \(allowed)")
        }
        return format
    }

    private static func stringList(_ node: Node, path: String, reader: NodeReader) throws(ConfigError) -> [String] {
        var values: [String] = []
        for (index, item) in try reader.sequence(node, path: path).enumerated() {
            values.append(try reader.nonEmptyString(item, path: "\(path)[\(index)]"))
        }
        return values
    }

    /// Splits and checks a backend's `host:port`.
    private static func parseAddress(
        _ address: String,
        node: Node,
        path: String,
        reader: NodeReader
    ) throws(ConfigError) -> (String, Int) {
        switch AddressSyntax.split(address) {
        case .failure(let problem):
            throw reader.error(
                .invalidAddress,
                at: node,
                path: path,
                "\(reader.quote(address)) \(problem.reason); \(AddressSyntax.advice)"
            )
        case .success(let parts):
            guard let port = Int(parts.port), parts.port.allSatisfy(\.isASCII), (1...65535).contains(port) else {
                throw reader.error(
                    .invalidAddress,
                    at: node,
                    path: path,
                    "\(reader.quote(address)) has port \(reader.quote(String(parts.port))), which is not in 1...65535"
                )
            }
            return (parts.host, port)
        }
    }

    /// Whether a backend name has the allowed characters `[A-Za-z0-9_.-]+` (safe in logs and metrics labels).
    private static func isBackendName(_ name: String) -> Bool {
        AddressSyntax.isHostName(name)
    }

    /// Reads `routes:`: service names well-formed and unique, backends defined.
    private static func parseRoutes(
        _ node: Node,
        backends: [Backend],
        reader: NodeReader
    ) throws(ConfigError) -> [Route] {
        let items = try reader.sequence(node, path: "routes")
        guard !items.isEmpty else {
            throw reader.error(.missingKey, at: node, path: "routes", "must list at least one route")
        }
        let backendNames = Set(backends.map(\.name))
        var routes: [Route] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let fields = try reader.mapping(item, path: "routes[\(index)]", keys: Keys.route)

            let serviceNode = try fields.required("service")
            let service = try reader.nonEmptyString(serviceNode, path: fields.pathOf("service"))
            guard isQualifiedName(service) else {
                let hint = service.hasPrefix(".") ? "; write it without the leading dot" : ""
                throw reader.error(
                    .invalidValue,
                    at: serviceNode,
                    path: fields.pathOf("service"),
                    "\(reader.quote(service)) is not a fully-qualified protobuf service name such as "
                        + "orders.OrderService\(hint)"
                )
            }
            if let earlier = seen[service] {
                let line = routes[earlier].service.location.line
                throw reader.error(
                    .duplicateEntry,
                    at: serviceNode,
                    path: fields.pathOf("service"),
                    "service \(reader.quote(service)) is already routed by routes[\(earlier)] (line \(line))"
                )
            }

            let backendNode = try fields.required("backend")
            let backend = try reader.nonEmptyString(backendNode, path: fields.pathOf("backend"))
            guard backendNames.contains(backend) else {
                throw reader.error(
                    .unknownReference,
                    at: backendNode,
                    path: fields.pathOf("backend"),
                    "no backend is named \(reader.quote(backend)); defined backends: "
                        + backends.map(\.name).joined(separator: ", ")
                )
            }
            var route = Route(service: Located(service, at: reader.location(of: serviceNode) ?? .unspecified), backend: backend)
            if let node = fields.optional("timeout") {
                route.timeout = try reader.duration(node, path: fields.pathOf("timeout"))
            }
            if let node = fields.optional("max_timeout") {
                route.maxTimeout = try reader.duration(node, path: fields.pathOf("max_timeout"))
            }
            if let timeout = route.timeout, let maxTimeout = route.maxTimeout, timeout > maxTimeout {
                throw reader.error(
                    .conflict, at: item, path: fields.pathOf("timeout"),
                    "timeout (\(timeout)) is longer than max_timeout (\(maxTimeout))")
            }
            seen[service] = routes.count
            routes.append(route)
        }
        return routes
    }

    /// Whether text is a dotted protobuf full name: identifiers `[A-Za-z_][A-Za-z0-9_]*` joined by dots.
    private static func isQualifiedName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, first == UInt8(ascii: "_") || isASCIILetter(first) else {
                return false
            }
            return part.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isASCIILetter($0) || isASCIIDigit($0) }
        }
    }

    /// Reads `cors:`.
    private static func parseCORS(_ node: Node, reader: NodeReader) throws(ConfigError) -> CORSPolicy {
        let fields = try reader.mapping(node, path: "cors", keys: Keys.cors)
        var policy = CORSPolicy()
        var wildcard: (node: Node, path: String)?
        if let listNode = fields.optional("allowed_origins") {
            let items = try reader.sequence(listNode, path: "cors.allowed_origins")
            for (index, item) in items.enumerated() {
                let path = "cors.allowed_origins[\(index)]"
                let origin = try reader.nonEmptyString(item, path: path)
                if origin == "*" {
                    wildcard = (item, path)
                } else if !isOrigin(origin) {
                    throw reader.error(
                        .invalidValue,
                        at: item,
                        path: path,
                        "\(reader.quote(origin)) is not an origin; write scheme://host[:port] with no path "
                            + "(such as http://localhost:8000), or \"*\" alone"
                    )
                }
                policy.allowedOrigins.append(origin == "*" ? origin : origin.lowercased())
            }
            if let wildcard, items.count > 1 {
                throw reader.error(
                    .conflict,
                    at: wildcard.node,
                    path: wildcard.path,
                    "\"*\" already allows every origin; list it alone or list exact origins"
                )
            }
        }
        if let credentialsNode = fields.optional("allow_credentials") {
            policy.allowCredentials = try reader.bool(credentialsNode, path: "cors.allow_credentials")
            if policy.allowCredentials, let wildcard {
                throw reader.error(
                    .conflict,
                    at: wildcard.node,
                    path: wildcard.path,
                    "\"*\" cannot be combined with allow_credentials: true (browsers refuse it); list exact origins"
                )
            }
        }
        if let listNode = fields.optional("allowed_headers") {
            policy.allowedHeaders = try parseHeaderNames(listNode, path: "cors.allowed_headers", reader: reader)
        }
        if let listNode = fields.optional("expose_headers") {
            policy.exposeHeaders = try parseHeaderNames(listNode, path: "cors.expose_headers", reader: reader)
        }
        if let ageNode = fields.optional("max_age") {
            policy.maxAge = try reader.duration(ageNode, path: "cors.max_age", allowZero: true)
        }
        return policy
    }

    /// Reads a list of HTTP header names (RFC 9110 §5.1 tokens), lower-cased.
    private static func parseHeaderNames(_ node: Node, path: String, reader: NodeReader) throws(ConfigError) -> [String]
    {
        var names: [String] = []
        for (index, item) in try reader.sequence(node, path: path).enumerated() {
            let name = try reader.nonEmptyString(item, path: "\(path)[\(index)]")
            guard name.utf8.allSatisfy(isTokenCharacter) else {
                throw reader.error(
                    .invalidValue,
                    at: item,
                    path: "\(path)[\(index)]",
                    "\(reader.quote(name)) is not a header name"
                )
            }
            names.append(name.lowercased())
        }
        return names
    }

    /// Whether text is a serialized origin `scheme://host[:port]` (RFC 6454 §6.2), with no path.
    private static func isOrigin(_ text: String) -> Bool {
        guard let separator = text.range(of: "://") else {
            return false
        }
        let scheme = text[..<separator.lowerBound]
        guard let first = scheme.utf8.first, isASCIILetter(first),
            scheme.utf8.allSatisfy({
                isASCIILetter($0) || isASCIIDigit($0) || $0 == UInt8(ascii: "+")
                    || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            })
        else {
            return false
        }
        let authority = String(text[separator.upperBound...])
        // Without a port: a bare host, or a bracketed IPv6 address.
        if authority.hasPrefix("["), authority.hasSuffix("]") {
            return AddressSyntax.isIPv6(String(authority.dropFirst().dropLast()))
        }
        if !authority.hasPrefix("["), !authority.contains(":") {
            return AddressSyntax.isHostName(authority)
        }
        // With a port: the same host:port rules as backend addresses.
        guard let parts = try? AddressSyntax.split(authority).get() else {
            return false
        }
        return !parts.port.isEmpty && parts.port.utf8.allSatisfy(isASCIIDigit)
    }

    /// Reads `limits:`.
    private static func parseLimits(_ node: Node, reader: NodeReader) throws(ConfigError) -> Limits {
        let fields = try reader.mapping(node, path: "limits", keys: Keys.limits)
        var limits = Limits()
        if let value = fields.optional("max_request_body") {
            limits.maxRequestBodyBytes = try reader.size(value, path: "limits.max_request_body", range: 1...Int.max)
        }
        if let value = fields.optional("max_response_message") {
            // The gRPC length prefix is a 32-bit unsigned integer, so larger messages cannot exist.
            limits.maxResponseMessageBytes = try reader.size(
                value,
                path: "limits.max_response_message",
                range: 1...Int(UInt32.max)
            )
        }
        if let value = fields.optional("max_request_headers") {
            limits.maxRequestHeaderBytes = try reader.size(
                value,
                path: "limits.max_request_headers",
                range: 1...Int.max
            )
        }
        if let value = fields.optional("max_connections") {
            limits.maxConnections = try reader.integer(value, path: "limits.max_connections", range: 0...10_000_000)
        }
        if let value = fields.optional("idle_timeout") {
            limits.idleTimeout = try reader.duration(value, path: "limits.idle_timeout")
        }
        if let value = fields.optional("header_read_timeout") {
            limits.headerReadTimeout = try reader.duration(value, path: "limits.header_read_timeout")
        }
        if let value = fields.optional("drain_timeout") {
            limits.drainTimeout = try reader.duration(value, path: "limits.drain_timeout", allowZero: true)
        }
        return limits
    }
}

/// Whether a byte is an ASCII letter.
private func isASCIILetter(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
}

/// Whether a byte is an ASCII digit.
private func isASCIIDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
}

/// Whether a byte may appear in an HTTP token (RFC 9110 §5.6.2 `tchar`).
private func isTokenCharacter(_ byte: UInt8) -> Bool {
    if isASCIILetter(byte) || isASCIIDigit(byte) {
        return true
    }
    return "!#$%&'*+-.^_`|~".utf8.contains(byte)
}
