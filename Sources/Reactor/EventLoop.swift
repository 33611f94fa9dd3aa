internal import CLibevent
public import Glibc

/// One libevent `event_base`, owned by exactly one thread for its whole life.
///
/// Everything that touches a loop (its connections, timers and buffers) is created, used and
/// destroyed on the thread that runs ``run()``. The only cross-thread entry point is a
/// ``Wakeup``, which libevent makes safe once ``EventLoop/enableThreadSupport()`` has run.
///
/// ```swift
/// EventLoop.enableThreadSupport()
/// let loop = try EventLoop()
/// let timer = EventTimer(loop: loop) { print("fired") }
/// timer.schedule(after: .milliseconds(10))
/// loop.run()
/// ```
public final class EventLoop {
    /// The `event_base *`. Other modules hand it to libevent constructors.
    public let base: OpaquePointer

    /// Creates a loop. Fails only if libevent cannot allocate a base (out of descriptors).
    public init() throws(ReactorError) {
        guard let base = event_base_new() else {
            throw ReactorError("event_base_new failed: \(String(cString: strerror(errno)))")
        }
        self.base = base
    }

    deinit {
        event_base_free(base)
    }

    /// Makes libevent's locks real (pthreads) so that `event_active` from another thread is
    /// safe. Must run once, before the first loop is created.
    public static func enableThreadSupport() {
        _ = evthread_use_pthreads()
    }

    /// Runs callbacks until ``stop()`` is called (or nothing is left to wait for).
    public func run() {
        _ = event_base_loop(base, 0)
    }

    /// Makes ``run()`` return after the current callback. Call it on the loop's own thread;
    /// from another thread, activate a ``Wakeup`` whose handler calls it.
    public func stop() {
        _ = event_base_loopbreak(base)
    }

}

/// An error from the reactor layer: a system call or libevent constructor failed.
public struct ReactorError: Error, CustomStringConvertible, Sendable {
    /// What failed and why, in words.
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
