internal import GRPCWire
internal import Synchronization

/// Which front-end protocol a call used, for metrics labels.
enum CallProtocol: Int, CaseIterable, Sendable {
    case grpcWeb
    case grpcWebText
    case rest
    /// Requests the gateway answered itself: CORS preflights, no route, wrong method, bad
    /// framing, a body over the limit.
    case gateway

    var label: String {
        switch self {
        case .grpcWeb: "grpc_web"
        case .grpcWebText: "grpc_web_text"
        case .rest: "rest"
        case .gateway: "gateway"
        }
    }
}

/// Why the gateway refused something on its own, for the limit-breach counter.
enum LimitBreach: Int, CaseIterable, Sendable {
    case requestBody
    case requestMessage
    case responseMessage
    case concurrentCalls
    /// A request head over `max_request_headers` (431 or 414).
    case requestHead
    /// A client too slow to send its request (408).
    case requestTimeout
    /// A connection closed at once because `max_connections` were open.
    case connections

    var label: String {
        switch self {
        case .requestHead: "request_head"
        case .requestTimeout: "request_timeout"
        case .connections: "connections"
        case .requestBody: "request_body"
        case .requestMessage: "request_message"
        case .responseMessage: "response_message"
        case .concurrentCalls: "concurrent_calls"
        }
    }
}

/// One worker's counters. Only its worker writes them (relaxed atomic adds on its own objects, so
/// counting costs a few uncontended instructions per call); the admin listener on the main thread
/// reads every worker's and sums them when scraped.
final class WorkerMetrics: Sendable {
    /// Latency histogram bucket bounds in microseconds (Prometheus `le` in seconds when printed).
    static let latencyBoundsMicroseconds: [Int] = [
        500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
        5_000_000, 10_000_000,
    ]
    static let codes = GRPCStatusCode.allCases.count

    /// Calls ended, by protocol and gRPC code: `calls[protocol * codes + code]`.
    let calls: [Counter]
    /// Per protocol: bucket counts (one per bound, then +Inf), then the microsecond sum.
    let latency: [[Counter]]
    let latencySumMicroseconds: [Counter]
    let callsInFlight = Counter()
    let limitBreaches: [Counter]
    let bytesIn = Counter()
    let bytesOut = Counter()

    init() {
        calls = (0..<(CallProtocol.allCases.count * Self.codes)).map { _ in Counter() }
        latency = CallProtocol.allCases.map { _ in (0...Self.latencyBoundsMicroseconds.count).map { _ in Counter() } }
        latencySumMicroseconds = CallProtocol.allCases.map { _ in Counter() }
        limitBreaches = LimitBreach.allCases.map { _ in Counter() }
    }

    /// A call started (counts towards calls in flight until ``callEnded(_:code:started:)``).
    func callStarted() {
        callsInFlight.add(1)
    }

    /// A call that was counted as started has ended with `code`.
    func callEnded(_ callProtocol: CallProtocol, code: GRPCStatusCode, started: ContinuousClock.Instant) {
        callsInFlight.add(-1)
        record(callProtocol, code: code, started: started)
    }

    /// A call answered by the gateway itself, never sent to a backend.
    func record(_ callProtocol: CallProtocol, code: GRPCStatusCode, started: ContinuousClock.Instant) {
        calls[callProtocol.rawValue * Self.codes + code.rawValue].add(1)
        let elapsed = ContinuousClock.now - started
        let microseconds = Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000)
        let bucket = Self.latencyBoundsMicroseconds.firstIndex { microseconds <= $0 } ?? Self.latencyBoundsMicroseconds.count
        latency[callProtocol.rawValue][bucket].add(1)
        latencySumMicroseconds[callProtocol.rawValue].add(microseconds)
    }

    func breach(_ limit: LimitBreach) {
        limitBreaches[limit.rawValue].add(1)
    }
}

/// A relaxed atomic integer: written by one worker, read by the scraper.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    func add(_ amount: Int) {
        value.add(amount, ordering: .relaxed)
    }

    var current: Int {
        value.load(ordering: .relaxed)
    }
}

/// Renders the sum of every worker's counters in the Prometheus text exposition format
/// (version 0.0.4).
enum MetricsExposition {
    /// - Parameters:
    ///   - workers: every worker's counters, summed.
    ///   - reloads: the configuration reload counts; nil leaves them out.
    static func render(_ workers: [WorkerMetrics], reloads: ReloadStatistics.Snapshot? = nil, connectionsOpen: Int? = nil) -> String {
        var text = ""
        text += "# HELP gateway_calls_total Calls answered, by front-end protocol and gRPC status code.\n"
        text += "# TYPE gateway_calls_total counter\n"
        for callProtocol in CallProtocol.allCases {
            for code in GRPCStatusCode.allCases {
                let index = callProtocol.rawValue * WorkerMetrics.codes + code.rawValue
                let total = workers.reduce(0) { $0 + $1.calls[index].current }
                guard total > 0 else { continue }
                text += "gateway_calls_total{protocol=\"\(callProtocol.label)\",code=\"\(code.name)\"} \(total)\n"
            }
        }
        text += "# HELP gateway_call_duration_seconds Time from request to the end of the response, by protocol.\n"
        text += "# TYPE gateway_call_duration_seconds histogram\n"
        for callProtocol in CallProtocol.allCases {
            var cumulative = 0
            let label = callProtocol.label
            for (bucket, bound) in WorkerMetrics.latencyBoundsMicroseconds.enumerated() {
                cumulative += workers.reduce(0) { $0 + $1.latency[callProtocol.rawValue][bucket].current }
                text += "gateway_call_duration_seconds_bucket{protocol=\"\(label)\",le=\"\(seconds(bound))\"} \(cumulative)\n"
            }
            cumulative += workers.reduce(0) { $0 + $1.latency[callProtocol.rawValue][WorkerMetrics.latencyBoundsMicroseconds.count].current }
            text += "gateway_call_duration_seconds_bucket{protocol=\"\(label)\",le=\"+Inf\"} \(cumulative)\n"
            let sum = workers.reduce(0) { $0 + $1.latencySumMicroseconds[callProtocol.rawValue].current }
            text += "gateway_call_duration_seconds_sum{protocol=\"\(label)\"} \(seconds(sum))\n"
            text += "gateway_call_duration_seconds_count{protocol=\"\(label)\"} \(cumulative)\n"
        }
        text += "# HELP gateway_calls_in_flight Calls sent to a backend and not yet ended.\n"
        text += "# TYPE gateway_calls_in_flight gauge\n"
        text += "gateway_calls_in_flight \(workers.reduce(0) { $0 + $1.callsInFlight.current })\n"
        text += "# HELP gateway_limit_breaches_total Requests or replies refused for exceeding a limit.\n"
        text += "# TYPE gateway_limit_breaches_total counter\n"
        for limit in LimitBreach.allCases {
            text += "gateway_limit_breaches_total{limit=\"\(limit.label)\"} \(workers.reduce(0) { $0 + $1.limitBreaches[limit.rawValue].current })\n"
        }
        text += "# HELP gateway_workers Worker threads serving connections.\n"
        text += "# TYPE gateway_workers gauge\n"
        text += "gateway_workers \(workers.count)\n"
        if let connectionsOpen {
            text += "# HELP gateway_client_connections Client connections open now, over all workers.\n"
            text += "# TYPE gateway_client_connections gauge\n"
            text += "gateway_client_connections \(connectionsOpen)\n"
        }
        if let reloads {
            text += "# HELP gateway_config_reloads_total Configuration reloads (SIGHUP, POST /reload), by result.\n"
            text += "# TYPE gateway_config_reloads_total counter\n"
            text += "gateway_config_reloads_total{result=\"success\"} \(reloads.successes)\n"
            text += "gateway_config_reloads_total{result=\"failure\"} \(reloads.failures)\n"
            text += "# HELP gateway_config_last_reload_successful Whether the last reload succeeded (1 at start).\n"
            text += "# TYPE gateway_config_last_reload_successful gauge\n"
            text += "gateway_config_last_reload_successful \(reloads.lastSucceeded ? 1 : 0)\n"
            text += "# HELP gateway_config_last_reload_success_timestamp_seconds When the configuration in use was loaded.\n"
            text += "# TYPE gateway_config_last_reload_success_timestamp_seconds gauge\n"
            text += "gateway_config_last_reload_success_timestamp_seconds \(reloads.lastSuccessSeconds)\n"
        }
        return text
    }

    /// Microseconds as a decimal number of seconds, exactly.
    private static func seconds(_ microseconds: Int) -> String {
        let whole = microseconds / 1_000_000
        var fraction = String(microseconds % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }
}
