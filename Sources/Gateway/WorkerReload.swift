internal import Backend
internal import Logging
internal import Reactor
internal import Synchronization

/// What the main thread hands each worker when a reload has built a new plan.
struct WorkerUpdate: Sendable {
    /// The reload's number, reported back once applied.
    let generation: Int
    let plan: GatewayPlan
    /// The endpoint directory's epoch of `plan`'s backends.
    let epoch: Int
    /// The access log, reopened by the reload; nil when none is kept.
    let accessLog: AccessLogWriter?
}

/// The mailbox between the main thread and one worker: the main thread posts an update and
/// triggers the worker's wakeup; the worker applies the latest update (posting coalesces, so a
/// worker that was busy skips straight to the newest configuration) and reports which
/// generation it serves now.
final class WorkerReloadPort: Sendable {
    fileprivate struct Report {
        var generation = 0
        var failure: String?
    }

    /// The state both threads touch, apart from the wakeup that needs it in its handler.
    fileprivate final class Mailbox: Sendable {
        let pending = Mutex<WorkerUpdate?>(nil)
        let report = Mutex(Report())
    }

    private let mailbox: Mailbox
    /// Runs the worker's side of the reload, on the worker's loop.
    private let wakeup: Wakeup

    /// Creates the port of the worker running `loop`: `apply` runs there for each update taken,
    /// then `applied` (the main thread's) is triggered.
    init(loop: EventLoop, applied: Wakeup, apply: @escaping (WorkerUpdate) -> String?) {
        let mailbox = Mailbox()
        self.mailbox = mailbox
        wakeup = Wakeup(loop: loop) {
            guard let update = mailbox.pending.withLock({ $0.take() }) else { return }
            let failure = apply(update)
            mailbox.report.withLock { $0 = Report(generation: update.generation, failure: failure) }
            applied.trigger()
        }
    }

    /// Hands the worker `update`, replacing one it has not taken yet. Safe from any thread.
    func post(_ update: WorkerUpdate) {
        mailbox.pending.withLock { $0 = update }
        wakeup.trigger()
    }

    /// The generation the worker applied last, and why it failed if it did (it then still
    /// serves the one before).
    var lastReport: (generation: Int, failure: String?) {
        mailbox.report.withLock { ($0.generation, $0.failure) }
    }
}

/// One worker's side of a reload, confined to the worker's thread: builds the new context,
/// points the dispatcher at it, and keeps each replaced context alive until the calls that
/// started on it have finished and its backend connections have closed.
///
/// The swap is a plain assignment between two requests: the dispatcher reads its context once
/// per request, with no lock or atomic on the request path. Client connections are not touched.
final class WorkerReload {
    private let loop: EventLoop
    private let dispatcher: Dispatcher
    private let subscription: EndpointSubscription
    private let logger: Logger
    /// Replaced contexts whose backends still carry calls (or are closing connections).
    private var retired: [WorkerContext] = []
    private var sweepTimer: EventTimer?
    /// How often retired contexts are checked for having drained.
    private static let sweepInterval = Duration.seconds(1)

    init(loop: EventLoop, dispatcher: Dispatcher, subscription: EndpointSubscription, logger: Logger) {
        self.loop = loop
        self.dispatcher = dispatcher
        self.subscription = subscription
        self.logger = logger
    }

    /// Switches the worker to `update`'s plan.
    /// - Returns: nil once new requests use the new plan; otherwise why not (the worker then
    ///   keeps the previous plan).
    func apply(_ update: WorkerUpdate) -> String? {
        let old = dispatcher.context
        let new: WorkerContext
        do {
            new = try WorkerContext(loop: loop, plan: update.plan, accessLog: update.accessLog, metrics: old.metrics)
        } catch {
            logger.error("worker could not switch to the reloaded configuration; it keeps the previous one: \(error)")
            return error.description
        }
        for cluster in new.backends {
            if let previous = old.backends.first(where: { $0.configuration.name == cluster.configuration.name }) {
                cluster.inheritHealth(from: previous)
            }
        }
        subscription.rebind(clusters: new.backends, epoch: update.epoch)
        dispatcher.context = new
        old.retire()
        retired.append(old)
        sweep()
        return nil
    }

    /// Lets go of retired contexts that have drained; checks again later while some have not.
    private func sweep() {
        retired.removeAll { $0.isDrained }
        guard !retired.isEmpty else {
            sweepTimer?.cancel()
            return
        }
        if sweepTimer == nil {
            sweepTimer = EventTimer(loop: loop) { [weak self] in
                self?.sweep()
            }
        }
        sweepTimer?.schedule(after: Self.sweepInterval)
    }
}

extension WorkerContext {
    /// Takes the context's backend clusters out of service after a reload replaced it: calls in
    /// flight finish on them, their connections close as they go idle, and nothing new starts.
    func retire() {
        for cluster in backends {
            cluster.retire()
        }
    }

    /// Whether a retired context's clusters have no call and no connection left, so it may go.
    var isDrained: Bool {
        backends.allSatisfy(\.isDrained)
    }
}
