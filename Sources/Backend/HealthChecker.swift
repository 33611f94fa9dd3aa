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
        let service = Array(settings.service.utf8)
        if !service.isEmpty {
            message.append(0x0A)  // field 1, wire type 2
            appendVarint(UInt64(service.count), to: &message)
            message.append(contentsOf: service)
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
        var index = 0
        var status: UInt64 = 0
        while index < message.count {
            guard let key = readVarint(message, &index) else { return 0 }
            switch key & 7 {
            case 0:
                guard let value = readVarint(message, &index) else { return 0 }
                if key >> 3 == 1 { status = value }
            case 2:
                guard let length = readVarint(message, &index), index + Int(length) <= message.count else { return 0 }
                index += Int(length)
            case 1: index += 8
            case 5: index += 4
            default: return 0
            }
        }
        return status
    }
}

private func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var value = value
    while value >= 0x80 {
        bytes.append(UInt8(value & 0x7F) | 0x80)
        value >>= 7
    }
    bytes.append(UInt8(value))
}

private func readVarint(_ bytes: [UInt8], _ index: inout Int) -> UInt64? {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while index < bytes.count, shift < 64 {
        let byte = bytes[index]
        index += 1
        result |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return result }
        shift += 7
    }
    return nil
}
