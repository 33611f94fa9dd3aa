public import Reactor
internal import Synchronization

/// The one place where endpoint lists cross threads: the refresher publishes a backend's new
/// list here, and each worker's ``Wakeup`` then applies it to that worker's ``BackendCluster``s
/// on the worker's own thread.
///
/// Lists are immutable `Sendable` snapshots, each with a generation number, behind a `Mutex`;
/// a worker applies only lists newer than those it has applied already. Triggering coalesces,
/// so a worker that was busy applies only the latest list.
///
/// A configuration reload brings a new set of backends (maybe more, fewer, or in another order)
/// and a new refresher for them. It starts a new *epoch* with ``replace(_:)``: lists published
/// for an older epoch are ignored (the old refresher may still be inside a lookup when it is told
/// to stop), and each worker's ``EndpointSubscription`` applies lists only once it has been
/// rebound to clusters of the current epoch.
public final class EndpointDirectory: Sendable {
    private struct State {
        /// Bumped by each ``replace(_:)``; lists and generations belong to this epoch.
        var epoch = 0
        /// The latest list of each backend.
        var lists: [[BackendEndpoint]]
        /// Bumped on each publication of that backend's list.
        var generations: [Int]
        /// One wakeup per subscribed worker.
        var subscribers: [Wakeup] = []
    }

    private let state: Mutex<State>

    /// Creates the directory with the lists resolved at start (epoch 0, generation 0), one per backend.
    public init(_ lists: [[BackendEndpoint]]) {
        state = Mutex(State(lists: lists, generations: Array(repeating: 0, count: lists.count)))
    }

    /// The current epoch: 0 at start, then one more per ``replace(_:)``.
    public var epoch: Int {
        state.withLock { $0.epoch }
    }

    /// Starts a new epoch with `lists`, one per backend of the reloaded configuration, as it
    /// resolved them. Safe from any thread.
    /// - Returns: the new epoch, for the new refresher and for each worker's
    ///   ``EndpointSubscription/rebind(clusters:epoch:)``.
    @discardableResult
    public func replace(_ lists: [[BackendEndpoint]]) -> Int {
        state.withLock { state in
            state.epoch += 1
            state.lists = lists
            state.generations = Array(repeating: 0, count: lists.count)
            return state.epoch
        }
    }

    /// Replaces backend `index`'s list and wakes every subscribed worker, unless `epoch` is over
    /// (a reload replaced the backends meanwhile). Safe from any thread.
    public func publish(_ endpoints: [BackendEndpoint], forBackend index: Int, epoch: Int = 0) {
        let subscribers: [Wakeup] = state.withLock { state in
            guard state.epoch == epoch else { return [] }
            state.lists[index] = endpoints
            state.generations[index] += 1
            return state.subscribers
        }
        for wakeup in subscribers {
            wakeup.trigger()
        }
    }

    /// Subscribes one worker: from now on, each list published for `epoch` is applied to
    /// `clusters[index]` on `loop`'s thread. Call it on that thread, with one cluster per backend
    /// in the directory's order, built from that epoch's lists.
    /// - Returns: the subscription, to ``EndpointSubscription/rebind(clusters:epoch:)`` after a reload.
    @discardableResult
    public func subscribe(loop: EventLoop, clusters: [BackendCluster], epoch: Int = 0) -> EndpointSubscription {
        let subscription = EndpointSubscription(directory: self, clusters: clusters, epoch: epoch)
        let wakeup = Wakeup(loop: loop) { subscription.apply() }
        state.withLock { $0.subscribers.append(wakeup) }
        // A list published before the wakeup was registered would otherwise wait for the next one.
        wakeup.trigger()
        return subscription
    }

    /// The lists of `epoch` newer than `applied`, with their generations; none if `epoch` is over.
    fileprivate func lists(newerThan applied: [Int], epoch: Int) -> [(index: Int, generation: Int, endpoints: [BackendEndpoint])] {
        state.withLock { state in
            guard state.epoch == epoch else { return [] }
            precondition(applied.count == state.lists.count, "one cluster per backend in the directory")
            return state.generations.indices.compactMap { index in
                state.generations[index] > applied[index]
                    ? (index, state.generations[index], state.lists[index]) : nil
            }
        }
    }
}

/// One worker's view of the directory: its clusters, the epoch they belong to, and the
/// generation each has applied. Confined to the worker's thread (its wakeup's handler and the
/// worker's reload use it).
public final class EndpointSubscription {
    private let directory: EndpointDirectory
    private var clusters: [BackendCluster]
    private var epoch: Int
    private var applied: [Int]

    fileprivate init(directory: EndpointDirectory, clusters: [BackendCluster], epoch: Int) {
        self.directory = directory
        self.clusters = clusters
        self.epoch = epoch
        self.applied = Array(repeating: 0, count: clusters.count)
    }

    /// Switches to the clusters a reload built, from the lists of `epoch`, and applies whatever
    /// was published for that epoch since. The previous clusters get no more updates.
    public func rebind(clusters: [BackendCluster], epoch: Int) {
        self.clusters = clusters
        self.epoch = epoch
        self.applied = Array(repeating: 0, count: clusters.count)
        apply()
    }

    /// Applies every list of the subscription's epoch published since the last call.
    func apply() {
        for update in directory.lists(newerThan: applied, epoch: epoch) {
            applied[update.index] = update.generation
            clusters[update.index].updateEndpoints(update.endpoints)
        }
    }
}
