internal import GRPCWire
internal import Glibc
internal import Reactor
internal import Synchronization
internal import Testing

@testable internal import Backend

/// Membership changes of a running cluster: kept endpoints keep their pools, removed ones leave
/// the rotation at once but keep their connections until the calls on them end.
///
/// The endpoints are loopback sockets that listen but never accept or answer, and the loop is not
/// run: calls stay in flight (queued on connecting connections) for as long as a test needs.
@Suite("Backend cluster endpoints")
struct BackendClusterTests {
    /// A TCP socket listening on 127.0.0.1, never accepting: connects complete in the kernel.
    final class SilentListener {
        let fd: Int32
        let endpoint: BackendEndpoint

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            try #require(bound)
            endpoint = try #require(
                BackendEndpoint(host: "localhost", port: Int(UInt16(bigEndian: address.sin_port)), address: "127.0.0.1")
            )
        }

        deinit {
            close(fd)
        }
    }

    /// Ignores the response: the tests only look at where calls are placed.
    final class Ignore: RPCStreamDelegate {
        func rpcStream(_ stream: RPCStream, didReceiveHead metadata: [(name: String, value: String)]) {}
        func rpcStream(_ stream: RPCStream, didReceive bytes: UnsafeRawBufferPointer) {}
        func rpcStream(_ stream: RPCStream, didFinishWith status: GRPCStatus, trailers: [(name: String, value: String)])
        {}
    }

    /// Stops `loop` once `done` holds, checking every few milliseconds on the loop's thread.
    final class Poller {
        private var timer: EventTimer?

        init(loop: EventLoop, until done: @escaping () -> Bool) {
            timer = EventTimer(loop: loop) { [weak self] in
                if done() {
                    loop.stop()
                } else {
                    self?.timer?.schedule(after: .milliseconds(5))
                }
            }
            timer?.schedule(after: .zero)
        }
    }

    /// Starts a unary call with an empty message.
    static func call(_ cluster: BackendCluster) throws -> RPCStream {
        let body = Buffer()
        body.append([0, 0, 0, 0, 0])
        return try cluster.startCall(
            path: "/t.S/M", authority: nil, headers: [("content-type", "application/grpc")], body: body,
            delegate: Ignore())
    }

    @Test("Kept endpoints keep their connections, new ones join, removed ones keep theirs until the calls end")
    func update() throws {
        let (a, b, c) = (try SilentListener(), try SilentListener(), try SilentListener())
        let loop = try EventLoop()
        let cluster = try BackendCluster(
            loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint, b.endpoint]))
        let onA = try Self.call(cluster)
        let onB = try Self.call(cluster)
        #expect(onA.connection?.endpoint == a.endpoint)
        #expect(onB.connection?.endpoint == b.endpoint)
        let connectionOfB = try #require(onB.connection)

        let change = cluster.updateEndpoints([b.endpoint, c.endpoint])
        #expect(change == EndpointChange(from: [a.endpoint, b.endpoint], to: [b.endpoint, c.endpoint]))
        #expect(cluster.endpoints == [b.endpoint, c.endpoint])
        #expect(cluster.retiringCount == 1, "a call is still in flight on the removed endpoint")
        #expect(onA.connection != nil && !onA.isFinished, "the call on the removed endpoint goes on")
        #expect(onB.connection === connectionOfB, "the kept endpoint kept its pool and connection")
        #expect(cluster.connectionCount == 2)

        var placed: [RPCStream] = []
        for _ in 0..<4 {
            placed.append(try Self.call(cluster))
        }
        #expect(placed.allSatisfy { $0.connection?.endpoint != a.endpoint }, "nothing new goes to a removed endpoint")
        #expect(Set(placed.compactMap { $0.connection?.endpoint }) == [b.endpoint, c.endpoint])
        #expect(placed.contains { $0.connection === connectionOfB }, "the kept connection takes new calls")

        onA.cancel()
        #expect(cluster.retiringCount == 0, "the removed endpoint is dropped once its last call ended")
        #expect(cluster.connectionCount == 2, "its connection closed; b's and c's remain")
        for stream in placed + [onB] {
            stream.cancel()
        }
    }

    @Test("A removed endpoint with no call in flight is dropped at once")
    func idleRemoval() throws {
        let (a, b) = (try SilentListener(), try SilentListener())
        let loop = try EventLoop()
        let cluster = try BackendCluster(
            loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint, b.endpoint]))
        let finished = try Self.call(cluster)
        finished.cancel()
        #expect(cluster.connectionCount == 1, "an idle connection to a")
        cluster.updateEndpoints([b.endpoint])
        #expect(cluster.retiringCount == 0)
        #expect(cluster.connectionCount == 0, "the idle connection closed with its endpoint")
    }

    @Test("An empty list is ignored: a backend never loses its last endpoint to an update")
    func emptyList() throws {
        let a = try SilentListener()
        let loop = try EventLoop()
        let cluster = try BackendCluster(loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint]))
        #expect(cluster.updateEndpoints([]).isEmpty)
        #expect(cluster.endpoints == [a.endpoint])
    }

    @Test("A list published on another thread reaches a worker's cluster on the worker's loop")
    func publication() throws {
        EventLoop.enableThreadSupport()
        let (a, b) = (try SilentListener(), try SilentListener())
        let loop = try EventLoop()
        let cluster = try BackendCluster(loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint]))
        let directory = EndpointDirectory([[a.endpoint]])
        directory.subscribe(loop: loop, clusters: [cluster])

        let newList = [b.endpoint, a.endpoint]
        let publisher = try WorkerThread.start {
            directory.publish(newList, forBackend: 0)
        }
        let deadline = ContinuousClock.now + .seconds(5)
        let poller = Poller(loop: loop) { cluster.endpoints == newList || ContinuousClock.now > deadline }
        loop.run()
        publisher.join()
        withExtendedLifetime(poller) {}
        #expect(cluster.endpoints == newList)
    }
}
