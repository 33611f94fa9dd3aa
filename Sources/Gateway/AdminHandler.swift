internal import Frontend
internal import Reactor
internal import Synchronization

/// The admin listener's endpoints, served on the main thread's loop, apart from the workers:
///
/// | path | answer |
/// |---|---|
/// | `GET /healthz` | 200 `ok`: the process is up and its loop answers |
/// | `GET /readyz` | 200 `ready` once every worker serves and the gateway is not draining; 503 otherwise |
/// | `GET /metrics` | Prometheus text: every worker's counters, summed |
final class AdminHandler: HTTPRequestHandler {
    private let metrics: @Sendable () -> [WorkerMetrics]
    private let isReady: () -> Bool

    init(metrics: @escaping @Sendable () -> [WorkerMetrics], isReady: @escaping () -> Bool) {
        self.metrics = metrics
        self.isReady = isReady
    }

    func handle(_ exchange: HTTPExchange) {
        guard exchange.method == .get || exchange.method == .head else {
            reply(exchange, status: 405, text: "use GET\n", extra: [("Allow", "GET")])
            return
        }
        switch exchange.path {
        case "/healthz":
            reply(exchange, status: 200, text: "ok\n")
        case "/readyz":
            let ready = isReady()
            reply(exchange, status: ready ? 200 : 503, text: ready ? "ready\n" : "not ready\n")
        case "/metrics":
            reply(exchange, status: 200, text: MetricsExposition.render(metrics()), contentType: "text/plain; version=0.0.4")
        default:
            reply(exchange, status: 404, text: "admin paths: /healthz /readyz /metrics\n")
        }
    }

    private func reply(
        _ exchange: HTTPExchange, status: Int, text: String, contentType: String = "text/plain",
        extra: [(name: String, value: String)] = []
    ) {
        let body = Buffer()
        body.append(text)
        exchange.respond(status: status, headers: [("Content-Type", contentType)] + extra, body: body)
    }
}
