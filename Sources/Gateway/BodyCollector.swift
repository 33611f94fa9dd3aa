internal import Frontend
internal import Reactor

/// Waits for a request body to arrive whole (for calls that send the request in one piece), and
/// stops as soon as it passes the limit, so an oversized upload is refused without being stored.
final class BodyCollector: HTTPExchangeDelegate {
    private let limit: Int
    private var onComplete: (() -> Void)?
    private var onTooLarge: (() -> Void)?

    private init(limit: Int, onComplete: @escaping () -> Void, onTooLarge: @escaping () -> Void) {
        self.limit = limit
        self.onComplete = onComplete
        self.onTooLarge = onTooLarge
    }

    /// Collects `exchange`'s body; calls `complete` when it is whole, `tooLarge` once it holds more
    /// than `limit` bytes. Neither is called if the client leaves first.
    static func collect(_ exchange: HTTPExchange, limit: Int, complete: @escaping () -> Void, tooLarge: @escaping () -> Void) {
        let collector = BodyCollector(limit: limit, onComplete: complete, onTooLarge: tooLarge)
        exchange.delegate = collector
        // One byte over the limit is enough to know; the server keeps reading until then.
        exchange.bodyBufferLimit = limit + 1
        exchange.bodyWasConsumed()
    }

    func exchangeDidReceiveBody(_ exchange: HTTPExchange) {
        if exchange.body.count > limit {
            exchange.delegate = nil
            let onTooLarge = self.onTooLarge
            clear()
            onTooLarge?()
        } else if exchange.isBodyComplete {
            exchange.delegate = nil
            let onComplete = self.onComplete
            clear()
            onComplete?()
        }
    }

    func exchangeClientDidDisconnect(_ exchange: HTTPExchange) {
        clear()
    }

    func exchangeDidDrain(_ exchange: HTTPExchange) {}

    private func clear() {
        onComplete = nil
        onTooLarge = nil
    }
}
