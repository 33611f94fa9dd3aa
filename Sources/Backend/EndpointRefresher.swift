public import Reactor
internal import Synchronization

/// Re-resolves backends' names periodically on a thread of its own, and publishes each changed
/// endpoint list to the workers through an ``EndpointDirectory``.
///
/// `getaddrinfo` blocks for as long as the name servers take (seconds when one is down). Doing
/// it on a worker's loop would stall every call of that worker, and doing it on the main thread
/// would delay SIGTERM handling, so lookups run on the refresher's own loop: one timer per
/// backend that has names to resolve and a non-zero `dns_refresh`. Nothing here is shared with
/// another thread except the directory. The thread is not joined at shutdown: it may be blocked
/// in a lookup, and it holds nothing that needs cleaning up.
///
/// ```swift
/// let directory = EndpointDirectory(resolvers.map(\.endpoints))
/// // each worker: directory.subscribe(loop: loop, clusters: clusters)
/// try EndpointRefresher.start(resolvers: resolvers, directory: directory) { event in log(event) }
/// ```
public final class EndpointRefresher {
    /// What the refresher reports, for the log. Called on the refresher's thread.
    public enum Event: Sendable {
        /// A backend's endpoint list changed and was published to the workers.
        case changed(backend: String, change: EndpointChange, endpoints: [BackendEndpoint])
        /// A lookup failed; the entry's last good addresses stay in use.
        case lookupFailed(backend: String, failure: EndpointResolver.Failure, endpoints: [BackendEndpoint])
        /// The refresher could not start its loop; endpoints stay as resolved at start.
        case couldNotStart(reason: String)
    }

    private var resolvers: [EndpointResolver]
    private let directory: EndpointDirectory
    private let report: (Event) -> Void
    /// One timer per backend that needs refreshing, by backend index.
    private var timers: [Int: EventTimer] = [:]

    /// Starts the refresher thread if some backend needs re-resolving (a name, and a non-zero
    /// refresh interval); otherwise starts nothing.
    /// - Parameters:
    ///   - resolvers: one per backend, in the directory's order, holding the start-up answers.
    ///   - directory: where changed lists are published.
    ///   - report: told about changes and failures, on the refresher's thread.
    /// - Returns: the thread, or nil when nothing needs refreshing.
    /// - Throws: ``ReactorError`` if the thread cannot be created.
    @discardableResult
    public static func start(
        resolvers: [EndpointResolver], directory: EndpointDirectory, report: @escaping @Sendable (Event) -> Void
    ) throws(ReactorError) -> WorkerThread? {
        guard resolvers.contains(where: \.needsRefresh) else { return nil }
        return try WorkerThread.start {
            let loop: EventLoop
            do {
                loop = try EventLoop()
            } catch {
                report(.couldNotStart(reason: "\(error)"))
                return
            }
            let refresher = EndpointRefresher(loop: loop, resolvers: resolvers, directory: directory, report: report)
            loop.run()
            withExtendedLifetime(refresher) {}
        }
    }

    /// Arms one timer per backend that needs refreshing, on `loop`. Use it from `loop`'s thread.
    init(
        loop: EventLoop, resolvers: [EndpointResolver], directory: EndpointDirectory,
        report: @escaping (Event) -> Void
    ) {
        self.resolvers = resolvers
        self.directory = directory
        self.report = report
        for (index, resolver) in resolvers.enumerated() where resolver.needsRefresh {
            let timer = EventTimer(loop: loop) { [weak self] in
                self?.refresh(index)
            }
            timer.schedule(after: resolver.refreshInterval)
            timers[index] = timer
        }
    }

    /// Re-resolves backend `index`, publishes its list if it changed, and re-arms its timer.
    private func refresh(_ index: Int) {
        let outcome = resolvers[index].refresh()
        let backend = resolvers[index].backend
        for failure in outcome.failures {
            report(.lookupFailed(backend: backend, failure: failure, endpoints: outcome.endpoints))
        }
        if !outcome.change.isEmpty {
            directory.publish(outcome.endpoints, forBackend: index)
            report(.changed(backend: backend, change: outcome.change, endpoints: outcome.endpoints))
        }
        // The interval counts from the end of this lookup, so a slow name server never makes
        // lookups pile up.
        timers[index]?.schedule(after: resolvers[index].refreshInterval)
    }
}

/// The one place where endpoint lists cross threads: the refresher publishes a backend's new
/// list here, and each worker's ``Wakeup`` then applies it to that worker's ``BackendCluster``s
/// on the worker's own thread.
///
/// Lists are immutable `Sendable` snapshots, each with a generation number, behind a `Mutex`;
/// a worker applies only lists newer than those it has applied already. Triggering coalesces,
/// so a worker that was busy applies only the latest list.
public final class EndpointDirectory: Sendable {
    private struct State {
        /// The latest list of each backend.
        var lists: [[BackendEndpoint]]
        /// Bumped on each publication of that backend's list.
        var generations: [Int]
        /// One wakeup per subscribed worker.
        var subscribers: [Wakeup] = []
    }

    private let state: Mutex<State>

    /// Creates the directory with the lists resolved at start (generation 0), one per backend.
    public init(_ lists: [[BackendEndpoint]]) {
        state = Mutex(State(lists: lists, generations: Array(repeating: 0, count: lists.count)))
    }

    /// Replaces backend `index`'s list and wakes every subscribed worker. Safe from any thread.
    public func publish(_ endpoints: [BackendEndpoint], forBackend index: Int) {
        let subscribers = state.withLock { state in
            state.lists[index] = endpoints
            state.generations[index] += 1
            return state.subscribers
        }
        for wakeup in subscribers {
            wakeup.trigger()
        }
    }

    /// Subscribes one worker: from now on, each published list is applied to `clusters[index]`
    /// on `loop`'s thread. Call it on that thread, with one cluster per backend in the
    /// directory's order, built from the start-up lists.
    public func subscribe(loop: EventLoop, clusters: [BackendCluster]) {
        let subscription = Subscription(directory: self, clusters: clusters)
        let wakeup = Wakeup(loop: loop) { subscription.apply() }
        state.withLock { $0.subscribers.append(wakeup) }
        // A list published before the wakeup was registered would otherwise wait for the next one.
        wakeup.trigger()
    }

    /// The lists newer than `applied`, with their generations.
    fileprivate func lists(newerThan applied: [Int]) -> [(index: Int, generation: Int, endpoints: [BackendEndpoint])] {
        state.withLock { state in
            state.generations.indices.compactMap { index in
                state.generations[index] > applied[index]
                    ? (index, state.generations[index], state.lists[index]) : nil
            }
        }
    }

    /// The number of backends.
    fileprivate var count: Int {
        state.withLock { $0.lists.count }
    }
}

/// One worker's view of the directory: its clusters and the generation each has applied.
/// Confined to the worker's thread (only its wakeup's handler uses it).
private final class Subscription {
    private let directory: EndpointDirectory
    private let clusters: [BackendCluster]
    private var applied: [Int]

    init(directory: EndpointDirectory, clusters: [BackendCluster]) {
        precondition(clusters.count == directory.count, "one cluster per backend in the directory")
        self.directory = directory
        self.clusters = clusters
        self.applied = Array(repeating: 0, count: clusters.count)
    }

    /// Applies every list published since the last call.
    func apply() {
        for update in directory.lists(newerThan: applied) {
            applied[update.index] = update.generation
            clusters[update.index].updateEndpoints(update.endpoints)
        }
    }
}
