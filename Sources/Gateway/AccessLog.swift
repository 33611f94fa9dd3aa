internal import Foundation
internal import Glibc

/// The access log: one JSON object per line per call, written with a single `write(2)` so lines
/// from several workers never interleave (appends to a file opened `O_APPEND` are atomic, and
/// so are pipe writes up to `PIPE_BUF`). Off unless `access_log:` is configured; each line costs
/// one system call on the worker's thread.
final class AccessLogWriter: Sendable {
    private let descriptor: Int32

    /// Opens `path` for appending (created if missing), or standard output for `-`.
    /// - Throws: a message naming the path and the system's reason.
    init(path: String) throws(AccessLogError) {
        if path == "-" {
            descriptor = 1
            return
        }
        let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else {
            throw AccessLogError(description: "cannot open access log \(path): \(String(cString: strerror(errno)))")
        }
        descriptor = opened
    }

    /// A reload opens a new writer; the previous one closes its file once the last call that
    /// uses it (on a replaced worker context) has finished. Standard output stays open.
    deinit {
        if descriptor != 1 {
            close(descriptor)
        }
    }

    /// One finished call.
    struct Entry {
        var protocolName: String
        var method: String
        var path: String
        var httpStatus: Int
        var grpcCode: String
        var duration: Duration
        var peer: String
    }

    func write(_ entry: Entry) {
        var line = "{\"time\":\""
        line += Self.timestamp()
        line += "\",\"protocol\":\"\(entry.protocolName)\",\"method\":\"\(entry.method)\",\"path\":"
        ErrorBody.appendJSONString(entry.path, to: &line)
        let (seconds, attoseconds) = entry.duration.components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        line += ",\"status\":\(entry.httpStatus),\"grpc_code\":\"\(entry.grpcCode)\",\"duration_us\":\(microseconds),\"peer\":"
        ErrorBody.appendJSONString(entry.peer, to: &line)
        line += "}\n"
        line.withUTF8 { bytes in
            _ = Glibc.write(descriptor, bytes.baseAddress, bytes.count)
        }
    }

    /// Now as RFC 3339 UTC with milliseconds.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        let milliseconds = now.tv_nsec / 1_000_000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, milliseconds)
    }
}

/// The access log could not be opened.
struct AccessLogError: Error, CustomStringConvertible {
    var description: String
}
