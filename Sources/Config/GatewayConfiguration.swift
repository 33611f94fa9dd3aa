/// Everything `gateway.yaml` says, as typed, immutable-by-use, `Sendable` values.
///
/// Built once at start-up and shared read-only by every worker. Every value that another module
/// checks later (descriptor files, service names) keeps its YAML position, so that error can still
/// be reported as `file:line:column: message`.
///
/// ```swift
/// let configuration = try GatewayConfiguration.load(path: "gateway.yaml")
/// print(configuration.listen.port, configuration.backends.map(\.name))
/// ```
///
/// The file's shape, defaults and checks are documented on each field's type; the shipped
/// `gateway.yaml` shows every key with its default.
public struct GatewayConfiguration: Sendable {
    /// Where the HTTP/1.1 front end listens (`listen:`).
    public var listen: Listener
    /// How many worker threads, each with its own event loop, serve connections; 0 (the default)
    /// means one per CPU core. At most 256.
    public var workers: Int
    /// The `protoc --include_imports --descriptor_set_out` files to load, as absolute paths
    /// (relative ones in the YAML are resolved against the configuration file's folder, so the
    /// gateway can be started from any working directory), each with its YAML position.
    public var descriptorFiles: [Located<String>]
    /// The gRPC servers calls go to, in file order; names are unique.
    public var backends: [Backend]
    /// Which service goes to which backend; at most one route per service, every backend defined.
    public var routes: [Route]
    /// The CORS policy; off unless origins are listed.
    public var cors: CORSPolicy
    /// Size and time limits that protect the gateway.
    public var limits: Limits
    /// REST/JSON mapping: rules, JSON options, streaming format, query and header policy.
    public var http: HTTPConfiguration
    /// Where `/healthz`, `/readyz` and `/metrics` are served; nil (no `admin:` key): nowhere.
    public var admin: AdminListener?
    /// One JSON line per call; nil (no `access_log:` key): no access log.
    public var accessLog: AccessLog?
    /// The file this configuration was read from, as the caller named it (`<code>` when built in code).
    public var file: String

    /// Creates a configuration in code (tests, embedding); no cross-checks are run.
    /// - Parameters:
    ///   - listen: Listener; defaults to `0.0.0.0:8080`.
    ///   - workers: Worker count; 0 = one per core.
    ///   - descriptorFiles: Descriptor set paths.
    ///   - backends: Backends.
    ///   - routes: Routes.
    ///   - cors: CORS policy; defaults to off.
    ///   - limits: Limits; defaults as documented on ``Limits``.
    ///   - file: The file name used in messages.
    public init(
        listen: Listener = Listener(),
        workers: Int = 0,
        descriptorFiles: [Located<String>] = [],
        backends: [Backend] = [],
        routes: [Route] = [],
        cors: CORSPolicy = CORSPolicy(),
        limits: Limits = Limits(),
        http: HTTPConfiguration = HTTPConfiguration(),
        file: String = SourceLocation.unspecified.file
    ) {
        self.listen = listen
        self.workers = workers
        self.descriptorFiles = descriptorFiles
        self.backends = backends
        self.routes = routes
        self.cors = cors
        self.limits = limits
        self.http = http
        self.file = file
    }

    /// The backend with this name, if any.
    /// - Parameter name: A ``Backend/name``.
    public func backend(named name: String) -> Backend? {
        backends.first { $0.name == name }
    }
}
