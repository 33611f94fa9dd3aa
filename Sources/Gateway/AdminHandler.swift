internal import Frontend
internal import Reactor

/// The admin listener's endpoints, served on the main thread's loop, apart from the workers:
///
/// | path | answer |
/// |---|---|
/// | `GET /healthz` | 200 `ok`: the process is up and its loop answers |
/// | `GET /readyz` | 200 `ready` once every worker serves and the gateway is not draining; 503 otherwise |
/// | `GET /metrics` | Prometheus text: every worker's counters, summed, and the reload counts |
/// | `POST /reload` | reloads `gateway.yaml` (as SIGHUP does); JSON ``ReloadOutcome``, 200 once every worker serves the new configuration, 422 when it is refused |
final class AdminHandler: HTTPRequestHandler {
    /// Runs a reload and calls back with its outcome (on this loop).
    typealias Reload = (@escaping (ReloadOutcome) -> Void) -> Void

    private let metrics: () -> String
    private let isReady: () -> Bool
    private let reload: Reload

    init(metrics: @escaping () -> String, isReady: @escaping () -> Bool, reload: @escaping Reload) {
        self.metrics = metrics
        self.isReady = isReady
        self.reload = reload
    }

    func handle(_ exchange: HTTPExchange) {
        if exchange.path == "/reload" {
            guard exchange.method == .post else {
                reply(exchange, status: 405, text: "use POST\n", extra: [("Allow", "POST")])
                return
            }
            // The exchange keeps itself alive until answered; if the client leaves meanwhile,
            // the reply is dropped and the reload still completes.
            reload { [self] outcome in
                reply(exchange, status: outcome.httpStatus, text: outcome.json + "\n", contentType: "application/json")
            }
            return
        }
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
            reply(exchange, status: 200, text: metrics(), contentType: "text/plain; version=0.0.4")
        default:
            reply(exchange, status: 404, text: "admin paths: /healthz /readyz /metrics /reload (POST)\n")
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
