extension GatewayConfiguration {
    /// The settings in which `self` (a configuration read for a reload) differs from `running`
    /// (the one the gateway serves) but which a running gateway cannot change: they were spent
    /// when it started. A reload with any of them is refused as a whole, so the running gateway
    /// is always exactly one configuration file, never a mix of an old and a new one:
    ///
    /// - `listen` (address, `reuse_port`, `tls` files) and `admin`: the sockets are bound once, and
    ///   clients keep their connections across a reload, which a rebind would drop.
    /// - `workers`: the threads, with their sockets and connections, are started once.
    /// - `limits.max_request_headers`, `idle_timeout`, `header_read_timeout`: each worker's HTTP
    ///   server and its open connections hold them; `max_connections`: the process-wide budget is
    ///   made once.
    ///
    /// Everything else (descriptor sets, backends, routes, `http`, `cors`, the other limits, such
    /// as `max_request_body`, `access_log`) is reloadable.
    ///
    /// - Parameter running: The configuration the gateway serves now.
    /// - Returns: One entry per changed setting, in file order, such as
    ///   `listen.port changed from 8080 to 9090`; empty when the reload may proceed.
    public func restartRequiredChanges(from running: GatewayConfiguration) -> [String] {
        var changes: [String] = []
        func compare<Value: Equatable>(_ key: String, _ old: Value, _ new: Value, _ show: (Value) -> String) {
            if old != new {
                changes.append("\(key) changed from \(show(old)) to \(show(new))")
            }
        }
        let old = running
        compare("listen.host", old.listen.host, listen.host) { $0 }
        compare("listen.port", old.listen.port, listen.port) { "\($0)" }
        compare("listen.reuse_port", old.listen.reusePort, listen.reusePort) { "\($0)" }
        compare("listen.tls", old.listen.tls, listen.tls) { tls in
            tls.map { "cert_file \($0.certificateFile), key_file \($0.keyFile)" } ?? "none"
        }
        compare("workers", old.workers, workers) { "\($0)" }
        compare("limits.max_request_headers", old.limits.maxRequestHeaderBytes, limits.maxRequestHeaderBytes) { "\($0) bytes" }
        compare("limits.max_connections", old.limits.maxConnections, limits.maxConnections) { "\($0)" }
        compare("limits.idle_timeout", old.limits.idleTimeout, limits.idleTimeout) { "\($0)" }
        compare("limits.header_read_timeout", old.limits.headerReadTimeout, limits.headerReadTimeout) { "\($0)" }
        compare("admin", old.admin, admin) { admin in admin.map { "\($0.host):\($0.port)" } ?? "none" }
        return changes
    }
}
