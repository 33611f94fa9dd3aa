/// Why a request could not be read: the server answers it with `status` and closes the
/// connection, because after a framing error nothing later on the connection can be trusted.
public struct HTTPRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status to answer with (400, 414, 431, 501 or 505).
    public let status: Int
    /// What was wrong, for the error body and the log.
    public let reason: String

    public init(status: Int, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status): \(reason)" }

    static func badRequest(_ reason: String) -> HTTPRequestError { HTTPRequestError(status: 400, reason) }
}
