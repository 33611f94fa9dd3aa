internal import CLibevent

/// Runs a handler on a loop's thread when the process receives a signal (SIGTERM, SIGINT).
///
/// libevent turns the signal into an ordinary loop callback, so the handler may do anything a
/// callback may. Only one loop in the process should watch signals: the main thread's.
public final class SignalWatcher {
    private var event: OpaquePointer?
    private let handler: () -> Void

    /// Starts watching `signal` on `loop`.
    public init(loop: EventLoop, signal: Int32, handler: @escaping () -> Void) {
        self.handler = handler
        // `evsignal_new` is a macro for an event on the signal number with EV_SIGNAL|EV_PERSIST.
        event = event_new(loop.base, signal, Int16(EV_SIGNAL | EV_PERSIST), { _, _, argument in
            Unmanaged<SignalWatcher>.fromOpaque(argument!).takeUnretainedValue().handler()
        }, Unmanaged.passUnretained(self).toOpaque())
        _ = event_add(event, nil)
    }

    deinit {
        if let event {
            event_free(event)
        }
    }
}
