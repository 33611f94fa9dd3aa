internal import Backend
internal import Config
internal import Logging
internal import Reactor

/// Reloads `gateway.yaml`, and the descriptor sets it names, while the gateway serves: on
/// SIGHUP and on `POST /reload` at the admin listener. Lives on the main thread.
///
/// 1. The file is loaded and checked exactly as at start (`GatewayPlan.make`: YAML, descriptor
///    sets, routes, rules, backend names and TLS files). Any error refuses the reload, with the
///    `file:line:column: message` that `gateway --check` prints.
/// 2. Settings fixed at start (listen, admin, workers, the front end's limits) must be unchanged
///    (``GatewayConfiguration/restartRequiredChanges(from:)``), or the reload is refused whole.
/// 3. The access log is reopened (so a rotated log file is let go of).
/// 4. The endpoint directory starts a new epoch with the new backends, and a new refresher
///    re-resolves their names; the previous refresher is stopped.
/// 5. Every worker gets the new plan through its ``WorkerReloadPort`` and switches between two
///    requests (``WorkerReload``). The reload is reported once every worker has.
///
/// Refused reloads change nothing: the previous configuration keeps serving.
final class ConfigurationReloader {
    typealias Completion = (ReloadOutcome) -> Void
    /// Reads and checks the configuration again, as at start.
    typealias PlanLoader = () throws(ConfigError) -> GatewayPlan

    private let load: PlanLoader?
    /// The configuration the workers were last told to serve.
    private var running: GatewayPlan
    private let directory: EndpointDirectory
    private let logger: Logger
    /// Every worker's port, in start order.
    private let ports: () -> [WorkerReloadPort]
    /// Why no reload can run now (starting, draining), or nil when one can.
    private let unavailableReason: () -> String?
    private var refresher: EndpointRefresher.Handle?
    private var generation = 0
    /// Reloads posted to the workers and not yet reported, oldest first.
    private var waiting: [(summary: ReloadOutcome.Summary, completion: Completion)] = []
    /// The counts `/metrics` shows.
    let statistics = ReloadStatistics()

    /// The configuration the workers serve (or were last told to serve).
    var configuration: GatewayConfiguration { running.configuration }

    init(
        running: GatewayPlan, load: PlanLoader?, directory: EndpointDirectory, logger: Logger,
        ports: @escaping () -> [WorkerReloadPort], unavailableReason: @escaping () -> String?
    ) {
        self.running = running
        self.load = load
        self.directory = directory
        self.logger = logger
        self.ports = ports
        self.unavailableReason = unavailableReason
    }

    /// Starts re-resolving the running plan's backend names (at start; reloads start their own).
    /// - Throws: ``ReactorError`` if the refresher's thread cannot start.
    func startRefresher() throws(ReactorError) {
        refresher = try makeRefresher(for: running, epoch: directory.epoch)
    }

    /// Reloads the configuration; `completion` runs once the outcome is known (at once when
    /// refused, after every worker switched otherwise), on the main thread.
    /// - Parameter trigger: what asked for it, for the log (`SIGHUP`, `POST /reload`).
    func reload(trigger: String, completion: @escaping Completion = { _ in }) {
        if let reason = unavailableReason() {
            return finish(.unavailable(reason: reason), completion)
        }
        guard let load else {
            return finish(.unavailable(reason: "the gateway was not started from a configuration file"), completion)
        }
        logger.info("reloading the configuration", metadata: ["trigger": "\(trigger)"])
        let plan: GatewayPlan
        do {
            plan = try load()
        } catch {
            return finish(.refused(reason: error.description), completion)
        }
        let fixed = plan.configuration.restartRequiredChanges(from: running.configuration)
        guard fixed.isEmpty else {
            let reason = "\(plan.configuration.file): \(fixed.joined(separator: "; ")): "
                + "these settings are fixed when the gateway starts; restart it to change them"
            return finish(.refused(reason: reason), completion)
        }
        let accessLog: AccessLogWriter?
        do {
            accessLog = try plan.configuration.accessLog.map { (log) throws(AccessLogError) in try AccessLogWriter(path: log.path) }
        } catch {
            return finish(.refused(reason: "\(plan.configuration.file): access_log: \(error.description)"), completion)
        }

        let epoch = directory.replace(plan.resolvers.map(\.endpoints))
        refresher?.stop()
        do {
            refresher = try makeRefresher(for: plan, epoch: epoch)
        } catch {
            refresher = nil
            logger.error("backend names will not be re-resolved: \(error)")
        }
        generation += 1
        running = plan
        let summary = ReloadOutcome.Summary(
            generation: generation, methods: plan.methodCount, backends: plan.backends.count,
            restBindings: plan.restBindingCount)
        waiting.append((summary, completion))
        let update = WorkerUpdate(generation: generation, plan: plan, epoch: epoch, accessLog: accessLog)
        for port in ports() {
            port.post(update)
        }
    }

    /// A worker reported (its port triggered the main thread's wakeup): completes the reloads
    /// every worker has now applied.
    func workersDidReport() {
        let reports = ports().map(\.lastReport)
        let applied = reports.map(\.generation).min() ?? generation
        while let first = waiting.first, first.summary.generation <= applied {
            waiting.removeFirst()
            let failures = reports.compactMap(\.failure)
            if let failure = failures.first {
                let reason = "\(failures.count) of \(reports.count) workers could not switch and serve the previous "
                    + "configuration: \(failure)"
                finish(.incomplete(reason: reason), first.completion)
            } else {
                finish(.applied(first.summary), first.completion)
            }
        }
    }

    private func finish(_ outcome: ReloadOutcome, _ completion: Completion) {
        statistics.record(outcome)
        switch outcome {
        case .applied(let summary):
            logger.info(
                "configuration reloaded",
                metadata: [
                    "generation": "\(summary.generation)", "methods": "\(summary.methods)",
                    "backends": "\(summary.backends)", "rest_bindings": "\(summary.restBindings)",
                ])
        case .refused(let reason):
            logger.error("configuration reload refused; the previous configuration stays in use: \(reason)")
        case .incomplete(let reason):
            logger.error("configuration reload incomplete: \(reason)")
        case .unavailable(let reason):
            logger.warning("configuration reload not possible: \(reason)")
        }
        completion(outcome)
    }

    private func makeRefresher(for plan: GatewayPlan, epoch: Int) throws(ReactorError) -> EndpointRefresher.Handle? {
        let logger = self.logger
        return try EndpointRefresher.start(resolvers: plan.resolvers, directory: directory, epoch: epoch) { event in
            Gateway.log(event, logger: logger)
        }
    }
}
