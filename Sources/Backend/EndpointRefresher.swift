public import Reactor
internal import Synchronization

/// Re-resolves backends' names periodically on a thread of its own, and publishes each changed
/// endpoint list to the workers through an ``EndpointDirectory``.
///
/// `getaddrinfo` blocks for as long as the name servers take (seconds when one is down). Doing
/// it on a worker's loop would stall every call of that worker, and doing it on the main thread
/// would delay SIGTERM handling, so lookups run on the refresher's own loop: one timer per
/// backend that has names to resolve and a non-zero `dns_refresh`. Nothing here is shared with
/// another thread except the directory. The thread is never joined (at shutdown, or when a reload
/// stops it through its ``Handle``): it may be blocked in a lookup, and it holds nothing that
/// needs cleaning up.
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
    private let epoch: Int
    private let report: (Event) -> Void
    /// One timer per backend that needs refreshing, by backend index.
    private var timers: [Int: EventTimer] = [:]

    /// Starts the refresher thread if some backend needs re-resolving (a name, and a non-zero
    /// refresh interval); otherwise starts nothing. The thread is detached: nobody waits for it.
    /// - Parameters:
    ///   - resolvers: one per backend, in the directory's order, holding the start-up answers.
    ///   - directory: where changed lists are published.
    ///   - epoch: the directory epoch `resolvers` belong to (see ``EndpointDirectory/replace(_:)``).
    ///   - report: told about changes and failures, on the refresher's thread.
    /// - Returns: a handle that stops the refresher, or nil when nothing needs refreshing.
    /// - Throws: ``ReactorError`` if the thread cannot be created.
    @discardableResult
    public static func start(
        resolvers: [EndpointResolver], directory: EndpointDirectory, epoch: Int = 0,
        report: @escaping @Sendable (Event) -> Void
    ) throws(ReactorError) -> Handle? {
        guard resolvers.contains(where: \.needsRefresh) else { return nil }
        let handle = Handle()
        let thread = try WorkerThread.start {
            let loop: EventLoop
            do {
                loop = try EventLoop()
            } catch {
                report(.couldNotStart(reason: "\(error)"))
                return
            }
            let refresher = EndpointRefresher(
                loop: loop, resolvers: resolvers, directory: directory, epoch: epoch, report: report)
            let stop = Wakeup(loop: loop) { loop.stop() }
            if handle.register(stop) {
                loop.run()
            }
            // The wakeup is freed here, on its loop's thread, never by a late stop() elsewhere.
            handle.unregister()
            withExtendedLifetime((refresher, stop)) {}
        }
        thread.detach()
        return handle
    }

    /// Stops a refresher from another thread, once a reload has started a new one for the new
    /// backends. A lookup under way finishes first (its result goes to an epoch that is over).
    public final class Handle: Sendable {
        private struct State {
            var stopped = false
            var wakeup: Wakeup?
        }

        private let state = Mutex(State())

        fileprivate init() {}

        /// Ends the refresher's loop soon. Safe from any thread, and more than once.
        public func stop() {
            state.withLock { state in
                state.stopped = true
                // Triggered under the lock, so the thread cannot free the wakeup meanwhile.
                state.wakeup?.trigger()
            }
        }

        /// Called on the refresher's thread before its loop runs; false if ``stop()`` came first.
        fileprivate func register(_ wakeup: Wakeup) -> Bool {
            state.withLock { state in
                guard !state.stopped else { return false }
                state.wakeup = wakeup
                return true
            }
        }

        /// Called on the refresher's thread after its loop ended.
        fileprivate func unregister() {
            state.withLock { $0.wakeup = nil }
        }
    }

    /// Arms one timer per backend that needs refreshing, on `loop`. Use it from `loop`'s thread.
    init(
        loop: EventLoop, resolvers: [EndpointResolver], directory: EndpointDirectory, epoch: Int = 0,
        report: @escaping (Event) -> Void
    ) {
        self.resolvers = resolvers
        self.directory = directory
        self.epoch = epoch
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
            directory.publish(outcome.endpoints, forBackend: index, epoch: epoch)
            report(.changed(backend: backend, change: outcome.change, endpoints: outcome.endpoints))
        }
        // The interval counts from the end of this lookup, so a slow name server never makes
        // lookups pile up.
        timers[index]?.schedule(after: resolvers[index].refreshInterval)
    }
}
