internal import CLibevent

/// A handler on one loop that any thread may trigger: the only way work crosses threads.
///
/// The handler runs on the loop's thread. Triggering is coalescing: several triggers before the
/// loop gets to it run the handler once. The owner must keep the wakeup alive while other
/// threads may trigger it.
public final class Wakeup: @unchecked Sendable {
    // @unchecked: `event` is written once in init, before the object is shared; `event_active`
    // is thread-safe once EventLoop.enableThreadSupport() has run; the handler only ever runs on
    // the loop's thread.
    private var event: OpaquePointer?
    private let handler: () -> Void

    /// Creates a wakeup whose `handler` runs on `loop`'s thread.
    public init(loop: EventLoop, handler: @escaping () -> Void) {
        self.handler = handler
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        self.event = event_new(loop.base, -1, Int16(EV_PERSIST), { _, _, arg in
            Unmanaged<Wakeup>.fromOpaque(arg!).takeUnretainedValue().handler()
        }, opaque)
    }

    deinit {
        if let event {
            event_free(event)
        }
    }

    /// Runs the handler soon on the loop's thread. Safe from any thread.
    public func trigger() {
        event_active(event, Int32(EV_READ), 0)
    }
}
