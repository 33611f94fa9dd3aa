/// Turns one backend's configured `host:port` entries into endpoints, and re-resolves them: the
/// last good answer of each entry is kept, so a failed lookup (NXDOMAIN, a timeout) never empties
/// a backend that was working.
///
/// A value type that does no I/O of its own: the lookup is a function (``BackendEndpoint/resolve(host:port:)``
/// in production, a table in tests). Lookups block, so ``refresh()`` runs on the resolver thread
/// (see ``EndpointRefresher``), never on a worker's loop.
///
/// ```swift
/// var resolver = try EndpointResolver(backend: "orders", entries: [.init(host: "orders.internal", port: 50051)],
///                                     refreshInterval: .seconds(30))
/// let refresh = resolver.refresh()   // later, off the workers' loops
/// if !refresh.change.isEmpty { publish(refresh.endpoints) }
/// ```
public struct EndpointResolver: Sendable {
    /// One configured `host:port` (a name or a literal address).
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, brackets around an IPv6 literal.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// An entry whose re-resolution failed; its previous addresses were kept.
    public struct Failure: Sendable, Equatable {
        public var entry: Entry
        /// The resolver's reason, in words.
        public var reason: String
    }

    /// The outcome of one ``refresh()``.
    public struct Refresh: Sendable {
        /// The endpoints now: fresh answers, and the last good answer of entries that failed.
        public var endpoints: [BackendEndpoint]
        /// How `endpoints` differs from the list before this refresh.
        public var change: EndpointChange
        /// Entries whose lookup failed this time.
        public var failures: [Failure]
    }

    /// Resolves a host to its endpoints; may block.
    public typealias Lookup = @Sendable (_ host: String, _ port: Int) throws(BackendError) -> [BackendEndpoint]

    /// The backend's name in the configuration, for messages.
    public let backend: String
    /// The entries as configured, in order.
    public let entries: [Entry]
    /// Time between re-resolutions; `.zero` resolves once, at start.
    public let refreshInterval: Duration
    private let lookup: Lookup
    /// The last good answer of each entry, parallel to `entries`.
    private var answers: [[BackendEndpoint]]

    /// Resolves every entry once (at start). Unlike ``refresh()``, any failure is fatal here:
    /// there is no earlier answer to fall back on.
    /// - Throws: the first entry's failure, naming its host.
    public init(
        backend: String, entries: [Entry], refreshInterval: Duration,
        lookup: @escaping Lookup = { (host, port) throws(BackendError) in
            try BackendEndpoint.resolve(host: host, port: port)
        }
    ) throws(BackendError) {
        self.backend = backend
        self.entries = entries
        self.refreshInterval = refreshInterval
        self.lookup = lookup
        var answers: [[BackendEndpoint]] = []
        for entry in entries {
            answers.append(try lookup(entry.host, entry.port))
        }
        self.answers = answers
    }

    /// Whether ``refresh()`` could ever change anything: refreshing is on and some entry is a
    /// name (a literal address resolves to itself).
    public var needsRefresh: Bool {
        refreshInterval > .zero && entries.contains { !BackendEndpoint.isLiteral($0.host) }
    }

    /// Every entry's endpoints, in entry order, without duplicates.
    public var endpoints: [BackendEndpoint] {
        Self.union(answers)
    }

    /// Looks every name up again (literals are not looked up). An entry whose lookup fails keeps
    /// its last good answer and is reported in ``Refresh/failures``.
    public mutating func refresh() -> Refresh {
        let before = endpoints
        var failures: [Failure] = []
        for (index, entry) in entries.enumerated() where !BackendEndpoint.isLiteral(entry.host) {
            do {
                answers[index] = try lookup(entry.host, entry.port)
            } catch {
                failures.append(Failure(entry: entry, reason: error.description))
            }
        }
        let after = endpoints
        return Refresh(endpoints: after, change: EndpointChange(from: before, to: after), failures: failures)
    }

    private static func union(_ lists: [[BackendEndpoint]]) -> [BackendEndpoint] {
        var seen: Set<BackendEndpoint> = []
        var result: [BackendEndpoint] = []
        for list in lists {
            for endpoint in list where seen.insert(endpoint).inserted {
                result.append(endpoint)
            }
        }
        return result
    }
}
