public import CLibevent

/// A one-shot timer on an ``EventLoop``, re-armable. Fires its handler on the loop's thread.
///
/// The timer owns its libevent `event` and frees it on `deinit`; the handler must not capture
/// the timer strongly (use `[weak self]` in the owner) or the pair never goes away.
public final class EventTimer {
    private var event: OpaquePointer?
    private let handler: () -> Void

    /// Creates an unarmed timer.
    public init(loop: EventLoop, handler: @escaping () -> Void) {
        self.handler = handler
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        // `evtimer_new` is a macro: an event with no descriptor and no flags is a timer.
        self.event = event_new(loop.base, -1, 0, { _, _, arg in
            Unmanaged<EventTimer>.fromOpaque(arg!).takeUnretainedValue().didFire()
        }, opaque)
    }

    deinit {
        if let event {
            event_free(event)
        }
    }

    /// Arms (or re-arms) the timer to fire once after `delay`.
    public func schedule(after delay: Duration) {
        var tv = delay.timeval
        _ = event_add(event, &tv)
    }

    /// Disarms the timer; harmless if it is not armed.
    public func cancel() {
        _ = event_del(event)
    }

    /// Whether the timer is armed.
    public var isScheduled: Bool {
        event_pending(event, Int16(EV_TIMEOUT), nil) != 0
    }

    private func didFire() {
        handler()
    }
}

extension Duration {
    /// The duration as a `timeval`, rounded down to microseconds, never negative.
    public var timeval: timeval {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) {
            return .init(tv_sec: 0, tv_usec: 0)
        }
        return .init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
