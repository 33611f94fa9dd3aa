internal import Backend
public import Config
internal import Frontend
internal import Glibc
public import Logging
internal import Reactor
internal import Synchronization

/// The running gateway: one worker thread per configured worker, each with its own event loop,
/// HTTP server (on its own `SO_REUSEPORT` socket, so the kernel spreads connections) and backend
/// connections. Workers share only the frozen ``GatewayPlan``, and the ``EndpointDirectory``
/// through which a resolver thread hands them re-resolved backend addresses (`dns_refresh`).
///
/// SIGHUP (or `POST /reload` at the admin listener) reloads the configuration without dropping
/// a connection: see ``ConfigurationReloader``.
///
/// ```swift
/// let load = { () throws(ConfigError) in
///     try GatewayPlan.make(configuration: GatewayConfiguration.load(path: "gateway.yaml"))
/// }
/// try Gateway(plan: load(), logger: logger, reloadPlan: load).run()   // returns after SIGTERM or SIGINT
/// ```
public final class Gateway {
    private let plan: GatewayPlan
    private let logger: Logger
    private let reloadPlan: (() throws(ConfigError) -> GatewayPlan)?

    /// - Parameters:
    ///   - plan: the configuration to serve.
    ///   - logger: where the gateway logs.
    ///   - reloadPlan: reads and checks the configuration again for a reload, as at start; nil
    ///     refuses reloads.
    public init(plan: GatewayPlan, logger: Logger, reloadPlan: (() throws(ConfigError) -> GatewayPlan)? = nil) {
        self.plan = plan
        self.logger = logger
        self.reloadPlan = reloadPlan
    }

    /// The number of worker threads `workers: 0` means: one per CPU core.
    public static func resolvedWorkerCount(_ configured: Int) -> Int {
        configured > 0 ? configured : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Binds the listener, starts the workers and serves until SIGTERM or SIGINT; SIGHUP reloads.
    /// - Throws: ``ReactorError`` if the address cannot be bound or a thread cannot start.
    public func run() throws {
        // A write to a socket the peer closed must be an error return, not a process kill.
        signal(SIGPIPE, SIG_IGN)
        Self.raiseDescriptorLimit()
        EventLoop.enableThreadSupport()
        // Hold SIGTERM, SIGINT and SIGHUP until the main loop watches them: one that arrives
        // after the port accepts but before then would otherwise kill the process (with no
        // drain, or for a mere reload). Worker threads inherit the block and keep it, so the
        // main thread is the one that takes them.
        var watchedSignals = sigset_t()
        sigemptyset(&watchedSignals)
        sigaddset(&watchedSignals, SIGTERM)
        sigaddset(&watchedSignals, SIGINT)
        sigaddset(&watchedSignals, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &watchedSignals, nil)

        let listen = plan.configuration.listen
        let workerCount = Self.resolvedWorkerCount(plan.configuration.workers)
        let registry = WorkerRegistry()
        // The admin listener is bound before the public port, so it answers as soon as that does.
        let mainLoop = try EventLoop()
        var draining = false
        let directory = EndpointDirectory(plan.resolvers.map(\.endpoints))
        let reloader = ConfigurationReloader(
            running: plan, load: reloadPlan, directory: directory, logger: logger,
            ports: { registry.workers.withLock { $0.map(\.reload) } },
            unavailableReason: {
                if draining { return "the gateway is shutting down" }
                return registry.started.withLock { $0 } < workerCount ? "the gateway is still starting" : nil
            })
        // Each worker reports here once it has switched to a reloaded configuration.
        let reloadApplied = Wakeup(loop: mainLoop) { reloader.workersDidReport() }
        // Client connections over all workers, counted against `max_connections`.
        let budget = ConnectionBudget(limit: plan.configuration.limits.maxConnections)
        var admin: HTTPServer?
        if let listener = plan.configuration.admin {
            let socket = try ListeningSocket.bind(host: listener.host, port: listener.port)
            let server = try HTTPServer(
                loop: mainLoop, configuration: .init(),
                handler: AdminHandler(
                    metrics: {
                        MetricsExposition.render(
                            registry.metrics.withLock { $0 }, reloads: reloader.statistics.snapshot,
                            connectionsOpen: budget.openConnections)
                    },
                    isReady: { !draining && registry.started.withLock { $0 } == workerCount },
                    reload: { completion in reloader.reload(trigger: "POST /reload", completion: completion) }))
            try server.accept(socket)
            admin = server
            logger.info("admin listening", metadata: ["address": "\(listener.host):\(socket.port)"])
        }
        var sockets: [ListeningSocket] = []
        let first = try ListeningSocket.bind(
            host: listen.host, port: listen.port, sharing: listen.reusePort ? .firstOfGroup : .exclusive)
        sockets.append(first)
        for _ in 1..<workerCount {
            if listen.reusePort {
                // Port 0 asks for any free port: the other workers then join the one the first got.
                sockets.append(try ListeningSocket.bind(host: listen.host, port: first.port, sharing: .joiningGroup))
            } else {
                sockets.append(try first.duplicate())
            }
        }

        let accessLog = try plan.configuration.accessLog.map { (log) throws(AccessLogError) in
            try AccessLogWriter(path: log.path)
        }
        var threads: [WorkerThread] = []
        let plan = self.plan
        let logger = self.logger
        for socket in sockets {
            threads.append(
                try WorkerThread.start {
                    Self.runWorker(
                        plan: plan, socket: socket, logger: logger, registry: registry, directory: directory,
                        accessLog: accessLog, reloadApplied: reloadApplied, budget: budget)
                })
        }
        while registry.started.withLock({ $0 }) + registry.stopped.withLock({ $0 }) < workerCount {
            usleep(1000)
        }
        // Not joined at shutdown: it may sit in a blocking lookup, and holds nothing to clean up.
        try reloader.startRefresher()
        logger.info(
            "gateway listening",
            metadata: [
                "address": "\(listen.host):\(first.port)", "workers": "\(workerCount)",
                "methods": "\(plan.methodCount)",
            ])

        // First SIGTERM/SIGINT: drain (stop accepting, let calls in flight finish up to
        // drain_timeout). A second one: stop at once.
        var signalsReceived = 0
        let onSignal = {
            signalsReceived += 1
            draining = true
            if signalsReceived == 1 {
                logger.info("draining: no new connections; calls in flight get \(reloader.configuration.limits.drainTimeout)")
                registry.workers.withLock { $0.forEach { $0.drain.trigger() } }
            } else {
                logger.info("stopping now")
                registry.workers.withLock { $0.forEach { $0.stop.trigger() } }
            }
        }
        let terminate = SignalWatcher(loop: mainLoop, signal: SIGTERM, handler: onSignal)
        let interrupt = SignalWatcher(loop: mainLoop, signal: SIGINT, handler: onSignal)
        let hangUp = SignalWatcher(loop: mainLoop, signal: SIGHUP) {
            reloader.reload(trigger: "SIGHUP")
        }
        pthread_sigmask(SIG_UNBLOCK, &watchedSignals, nil)
        // Each worker reports when its loop has ended; the main loop ends with the last one.
        let workerStopped = Wakeup(loop: mainLoop) {
            if registry.stopped.withLock({ $0 }) == workerCount {
                mainLoop.stop()
            }
        }
        registry.onWorkerStopped.withLock { $0 = workerStopped }
        mainLoop.run()
        withExtendedLifetime((terminate, interrupt, hangUp, workerStopped, reloadApplied, admin)) {}
        for thread in threads {
            thread.join()
        }
        logger.info("stopped")
    }

    private static func runWorker(
        plan: GatewayPlan, socket: ListeningSocket, logger: Logger, registry: WorkerRegistry,
        directory: EndpointDirectory, accessLog: AccessLogWriter?, reloadApplied: Wakeup, budget: ConnectionBudget
    ) {
        do {
            let loop = try EventLoop()
            let context = try WorkerContext(loop: loop, plan: plan, accessLog: accessLog, metrics: WorkerMetrics())
            let subscription = directory.subscribe(loop: loop, clusters: context.backends)
            let limits = plan.configuration.limits
            let tls = try plan.configuration.listen.tls.map { (files) throws(TLSServerError) in
                try TLSServerContext(certificateFile: files.certificateFile, keyFile: files.keyFile)
            }
            let dispatcher = Dispatcher(context: context)
            let server = try HTTPServer(
                loop: loop,
                configuration: .init(
                    maxHeaderBytes: limits.maxRequestHeaderBytes, idleTimeout: limits.idleTimeout,
                    headerReadTimeout: limits.headerReadTimeout),
                tls: tls, budget: budget,
                handler: dispatcher)
            try server.accept(socket)
            let stop = Wakeup(loop: loop) { loop.stop() }
            let drainTimer = EventTimer(loop: loop) { loop.stop() }
            let drain = Wakeup(loop: loop) {
                // The drain timeout of the configuration in use, which a reload may have changed.
                drainTimer.schedule(after: dispatcher.context.plan.configuration.limits.drainTimeout)
                server.beginDraining { loop.stop() }
            }
            let reload = WorkerReload(loop: loop, dispatcher: dispatcher, subscription: subscription, logger: logger)
            let reloadPort = WorkerReloadPort(loop: loop, applied: reloadApplied) { update in reload.apply(update) }
            registry.workers.withLock { $0.append(WorkerControls(drain: drain, stop: stop, reload: reloadPort)) }
            registry.metrics.withLock { $0.append(context.metrics) }
            registry.started.withLock { $0 += 1 }
            loop.run()
            registry.stopped.withLock { $0 += 1 }
            registry.onWorkerStopped.withLock { $0 }?.trigger()
            // The process exits right after the workers return. Freeing the server here would
            // close live connections and run their callbacks into calls whose pools are being
            // freed too, so the worker's objects are deliberately left to the process exit.
            _ = Unmanaged.passRetained(
                WorkerResources(server: server, reload: reload, controls: [stop, drain], timer: drainTimer))
        } catch {
            logger.critical("worker failed to start: \(error)")
            exit(1)
        }
    }
}

extension Gateway {
    /// Raises the soft limit on open descriptors to the hard one: each client connection is one,
    /// and the usual soft default (1,024) is far below `max_connections`.
    fileprivate static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Logs what the endpoint refresher did: a change at info level (it changes where calls go),
    /// a failed lookup as a warning (calls still go to the last good addresses).
    static func log(_ event: EndpointRefresher.Event, logger: Logger) {
        switch event {
        case .changed(let backend, let change, let endpoints):
            logger.info(
                "backend addresses changed",
                metadata: [
                    "backend": "\(backend)", "added": "\(change.added.map(\.description))",
                    "removed": "\(change.retired.map(\.description))", "endpoints": "\(endpoints.count)",
                ])
        case .lookupFailed(let backend, let failure, let endpoints):
            logger.warning(
                "backend name lookup failed; keeping the last good addresses",
                metadata: [
                    "backend": "\(backend)", "host": "\(failure.entry)", "reason": "\(failure.reason)",
                    "endpoints": "\(endpoints.map(\.description))",
                ])
        case .couldNotStart(let reason):
            logger.error("backend names will not be re-resolved: \(reason)")
        }
    }
}

/// How the main thread reaches the workers and learns that they stopped.
final class WorkerRegistry: Sendable {
    let workers = Mutex<[WorkerControls]>([])
    let started = Mutex(0)
    let stopped = Mutex(0)
    let onWorkerStopped = Mutex<Wakeup?>(nil)
    /// Every worker's counters, for the admin listener.
    let metrics = Mutex<[WorkerMetrics]>([])
}

/// What steers one worker from the main thread.
struct WorkerControls: Sendable {
    /// Stop accepting and end the loop once calls in flight are done (or the drain timeout passes).
    let drain: Wakeup
    /// End the loop now.
    let stop: Wakeup
    /// Switch to a reloaded configuration.
    let reload: WorkerReloadPort
}

/// A worker's long-lived objects, kept alive past its loop on purpose (see `runWorker`).
private final class WorkerResources {
    let server: HTTPServer
    /// Holds the contexts: the dispatcher's (through the server's handler) and replaced ones.
    let reload: WorkerReload
    let controls: [Wakeup]
    let timer: EventTimer

    init(server: HTTPServer, reload: WorkerReload, controls: [Wakeup], timer: EventTimer) {
        self.server = server
        self.reload = reload
        self.controls = controls
        self.timer = timer
    }
}
