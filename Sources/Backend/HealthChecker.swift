internal import GRPCWire
internal import Reactor

/// Active health checking of one endpoint with `grpc.health.v1.Health/Check` (gRPC's
/// health-checking protocol): a check every interval, a verdict after consecutive results.
///
/// An endpoint that fails `unhealthyThreshold` checks in a row leaves the rotation; one that
/// passes `healthyThreshold` checks in a row comes back. A check passes only with status OK and
/// `HealthCheckResponse.status == SERVING` (1).
final class HealthChecker {
    private unowned let pool: ConnectionPool
    private let settings: BackendCluster.Configuration.HealthCheck
    private var timer: EventTimer?
    private var probeTimer: EventTimer?
    private var probe: Probe?
    private var probeStream: RPCStream?
    private var consecutivePasses = 0
    private var consecutiveFailures = 0
    /// The request frame, made once: HealthCheckRequest { string service = 1; }.
    private let requestFrame: [UInt8]

    init(loop: EventLoop, pool: ConnectionPool, settings: BackendCluster.Configuration.HealthCheck) {
        self.pool = pool
        self.settings = settings
        var message: [UInt8] = []
        if !settings.service.isEmpty {
            ProtoWire.appendLengthDelimited(number: 1, Array(settings.service.utf8), to: &message)
        }
        var frame: [UInt8] = []
        MessageFramer.appendPrefix(flags: 0, length: message.count, to: &frame)
        frame.append(contentsOf: message)
        requestFrame = frame
        probeTimer = EventTimer(loop: loop) { [weak self] in
            self?.probeTimedOut()
        }
        let timer = EventTimer(loop: loop) { [weak self] in
            self?.check()
        }
        // The first check runs at once, so an endpoint that is down at start leaves the rotation
        // before most calls have been sent to it.
        timer.schedule(after: .zero)
        self.timer = timer
    }

    /// Ends the checks for good (the endpoint, or its whole cluster, was retired): no more
    /// probes, and one still in flight is cancelled, since a backend that never answers would
    /// otherwise keep the retired connection, and everything that waits for it to close, alive.
    func stop() {
        timer?.cancel()
        timer = nil
        probeTimer?.cancel()
        probe = nil
        probeStream?.cancel()
        probeStream = nil
    }

    private func check() {
        timer?.schedule(after: settings.interval)
        guard probe == nil else { return }
        let probe = Probe(checker: self)
        let body = Buffer()
        body.append(requestFrame)
        let stream = RPCStream(
            path: "/grpc.health.v1.Health/Check", authority: nil,
            headers: [
                ("grpc-timeout", GRPCTimeout.encode(nanoseconds: Int64(settings.timeout.components.seconds) * 1_000_000_000
                    + settings.timeout.components.attoseconds / 1_000_000_000)),
                ("content-type", "application/grpc"),
            ],
            connection: nil, delegate: probe)
        stream.outbound.append(moving: body)
        stream.outboundFinished = true
        do {
            // Straight to this endpoint, bypassing the balancer and the endpoint's health verdict.
            try pool.place(stream)
            self.probe = probe
            probeStream = stream
            // The backend may never answer (a hung process): the check then fails on our clock.
            probeTimer?.schedule(after: settings.timeout)
        } catch {
            record(passed: false)
        }
    }

    private func probeTimedOut() {
        guard probe != nil else { return }
        probe = nil
        probeStream?.cancel()
        probeStream = nil
        record(passed: false)
    }

    fileprivate func probeDidFinish(passed: Bool) {
        guard probe != nil else { return }
        probeTimer?.cancel()
        probe = nil
        probeStream = nil
        record(passed: passed)
    }

    private func record(passed: Bool) {
        if passed {
            consecutivePasses += 1
            consecutiveFailures = 0
            if !pool.isHealthy && consecutivePasses >= settings.healthyThreshold {
                pool.isHealthy = true
            }
        } else {
            consecutiveFailures += 1
            consecutivePasses = 0
            if pool.isHealthy && consecutiveFailures >= settings.unhealthyThreshold {
                pool.isHealthy = false
            }
        }
    }
}

/// One health-check call in flight: collects the reply and judges it.
private final class Probe: RPCStreamDelegate {
    weak var checker: HealthChecker?
    var deframer = MessageDeframer(maxMessageLength: 1024)

    init(checker: HealthChecker) {
        self.checker = checker
    }

    func rpcStream(_ stream: RPCStream, didReceiveHead metadata: [(name: String, value: String)]) {}

    func rpcStream(_ stream: RPCStream, didReceive bytes: UnsafeRawBufferPointer) {
        deframer.append(bytes)
        stream.consume(bytes.count)
    }

    func rpcStream(_ stream: RPCStream, didFinishWith status: GRPCStatus, trailers: [(name: String, value: String)]) {
        var passed = false
        if status.code == .ok, let frame = try? deframer.next() {
            passed = Self.servingStatus(frame.payload) == 1
        }
        checker?.probeDidFinish(passed: passed)
    }

    /// HealthCheckResponse.status (field 1, an enum varint); 0 (UNKNOWN) when absent or malformed.
    static func servingStatus(_ message: [UInt8]) -> UInt64 {
        guard let fields = try? ProtoWire.fields(of: message) else { return 0 }
        var status: UInt64 = 0
        for field in fields where field.number == 1 && field.wireType == 0 {
            // A varint's value bytes: seven bits each, least significant group first.
            status = 0
            for (shift, byte) in message[field.value].enumerated() where shift < 10 {
                status |= UInt64(byte & 0x7F) << (7 * UInt64(shift))
            }
        }
        return status
    }
}
