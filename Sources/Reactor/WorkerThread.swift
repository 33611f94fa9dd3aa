internal import Glibc

/// A joinable POSIX thread that runs one closure, for a worker's event loop.
///
/// Foundation's `Thread` cannot be joined; shutdown needs to wait for each worker to return.
public final class WorkerThread: @unchecked Sendable {
    // @unchecked: `thread` is written once by `start` before the object is shared and read by
    // `join` on the thread that started it.
    private var thread = pthread_t()

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private init() {}

    /// Starts a thread running `body`.
    public static func start(_ body: @escaping @Sendable () -> Void) throws(ReactorError) -> WorkerThread {
        let worker = WorkerThread()
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(&worker.thread, nil, { argument in
            let body = Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw ReactorError("pthread_create failed: \(String(cString: strerror(result)))")
        }
        return worker
    }

    /// Lets the thread's resources go when its closure returns, for a thread nobody will join
    /// (one that may be blocked in a system call at shutdown). Call it instead of ``join()``.
    public func detach() {
        pthread_detach(thread)
    }

    /// Waits for the thread's closure to return.
    public func join() {
        pthread_join(thread, nil)
    }
}
