internal import GRPCWire
internal import Reactor
internal import Testing

@testable internal import Backend

/// What a configuration reload needs from the backend side: a replaced cluster lets its calls
/// finish and then lets go of its connections, and the endpoint directory moves to the new
/// clusters without taking a late update from the replaced refresher.
///
/// As in ``BackendClusterTests``, the endpoints listen but never answer and the loop mostly does
/// not run, so calls stay in flight for as long as a test needs.
@Suite("Backend clusters across reloads")
struct ClusterReloadTests {
    typealias SilentListener = BackendClusterTests.SilentListener

    @Test("A retired cluster keeps its calls in flight, takes no new one, and is drained once they end")
    func retire() throws {
        let (a, b) = (try SilentListener(), try SilentListener())
        let loop = try EventLoop()
        let cluster = try BackendCluster(loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint, b.endpoint]))
        let inFlight = try BackendClusterTests.call(cluster)
        let finished = try BackendClusterTests.call(cluster)
        finished.cancel()
        #expect(cluster.connectionCount == 2, "one busy and one idle connection")

        cluster.retire()
        #expect(cluster.connectionCount == 1, "the idle connection closed at once")
        #expect(!cluster.isDrained)
        #expect(inFlight.connection != nil && !inFlight.isFinished, "the call in flight goes on")
        #expect(throws: GRPCStatus.self) { try BackendClusterTests.call(cluster) }

        inFlight.cancel()
        #expect(cluster.connectionCount == 0)
        #expect(cluster.isDrained)
    }

    @Test("An idle cluster is drained as soon as it is retired")
    func retireIdle() throws {
        let a = try SilentListener()
        let loop = try EventLoop()
        let cluster = try BackendCluster(loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint]))
        try BackendClusterTests.call(cluster).cancel()
        cluster.retire()
        #expect(cluster.isDrained)
    }

    @Test("A reload's epoch ignores the replaced refresher and reaches the rebound clusters")
    func epochs() throws {
        EventLoop.enableThreadSupport()
        let (a, b, c) = (try SilentListener(), try SilentListener(), try SilentListener())
        let loop = try EventLoop()
        let replaced = try BackendCluster(loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint]))
        let directory = EndpointDirectory([[a.endpoint]])
        let subscription = directory.subscribe(loop: loop, clusters: [replaced])

        // The reload: two backends now, and a new epoch for them.
        let first = try BackendCluster(loop: loop, configuration: .init(name: "t", endpoints: [a.endpoint]))
        let second = try BackendCluster(loop: loop, configuration: .init(name: "u", endpoints: [b.endpoint]))
        let epoch = directory.replace([[a.endpoint], [b.endpoint]])
        #expect(epoch == 1 && directory.epoch == 1)
        directory.publish([c.endpoint], forBackend: 0, epoch: 0)  // the replaced refresher, late
        directory.publish([b.endpoint, c.endpoint], forBackend: 1, epoch: 1)  // before the worker rebinds
        subscription.rebind(clusters: [first, second], epoch: epoch)
        #expect(first.endpoints == [a.endpoint], "the stale list was ignored")
        #expect(second.endpoints == [b.endpoint, c.endpoint], "a list of the new epoch is applied on rebinding")

        directory.publish([c.endpoint], forBackend: 0, epoch: 1)
        let deadline = ContinuousClock.now + .seconds(5)
        let poller = BackendClusterTests.Poller(loop: loop) { first.endpoints == [c.endpoint] || ContinuousClock.now > deadline }
        loop.run()
        withExtendedLifetime(poller) {}
        #expect(first.endpoints == [c.endpoint])
        #expect(replaced.endpoints == [a.endpoint], "the replaced cluster gets no more updates")
    }
}
