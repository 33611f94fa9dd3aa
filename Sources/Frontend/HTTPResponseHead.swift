internal import Glibc
internal import Reactor

/// Writes HTTP/1.1 response heads straight into a connection's output buffer.
enum HTTPResponseHead {
    /// How the response body is framed on the wire.
    enum Framing {
        /// `Content-Length: n` (written even for HEAD, which then carries no body).
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
        /// No length: the body ends when the connection closes (a stream to an HTTP/1.0 client).
        case untilClose
        /// No body and no length header (1xx, 204, 304).
        case none
    }

    /// Appends the status line, `headers`, the framing and connection headers and the empty line.
    /// Header lines whose name or value contain CR, LF or NUL are dropped: such a value (it may
    /// come from a backend's metadata) would split the head.
    static func write(
        status: Int, headers: [(name: String, value: String)], framing: Framing, close: Bool, http10KeepAlive: Bool,
        date: DateHeader, to output: Buffer
    ) {
        output.append("HTTP/1.1 \(status) \(HTTPReasonPhrase.phrase(for: status))\r\n")
        for header in headers where isSafe(header.name) && isSafe(header.value) {
            output.append(header.name)
            output.append(": ")
            output.append(header.value)
            output.append("\r\n")
        }
        date.append(to: output)
        switch framing {
        case .length(let count):
            output.append("Content-Length: ")
            output.append(String(count))
            output.append("\r\n")
        case .chunked:
            output.append("Transfer-Encoding: chunked\r\n")
        case .untilClose, .none:
            break
        }
        if close {
            output.append("Connection: close\r\n")
        } else if http10KeepAlive {
            output.append("Connection: keep-alive\r\n")
        }
        output.append("\r\n")
    }

    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 }
    }
}

/// The `Date` header line (RFC 9110 §6.6.1 wants one from a server with a clock), formatted once
/// per second per worker rather than once per response.
final class DateHeader {
    private var second: time_t = 0
    private var line: [UInt8] = []

    func append(to output: Buffer) {
        let now = time(nil)
        if now != second {
            second = now
            var parts = tm()
            var copy = now
            gmtime_r(&copy, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            let length = strftime(&buffer, buffer.count, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &parts)
            line = buffer[0..<length].map { UInt8(bitPattern: $0) }
        }
        output.append(line)
    }
}
