/// A parsed HTTP/1.1 request head: the request line and the header fields, with the framing
/// facts the connection needs already worked out.
///
/// The head's bytes are kept once, in one array, with header names lowercased in place (HTTP names
/// are case-insensitive, and HTTP/2 metadata wants them lowercase anyway); fields are ranges into
/// it, so looking a header up allocates nothing.
public struct HTTPRequestHead: Sendable {
    /// The request method.
    public let method: HTTPMethod
    /// The request target's path, still percent-encoded, without the query (`/` for an empty one).
    public let path: String
    /// The raw query string (after `?`), nil if there was none.
    public let query: String?
    /// The minor HTTP version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    public let minorVersion: Int
    /// How the request body is framed.
    public let framing: BodyFraming
    /// Whether the client asked to keep the connection open after this exchange (HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`).
    public let keepAlive: Bool
    /// Whether the client waits for `100 Continue` before sending its body.
    public let expectsContinue: Bool

    /// How a request body is delimited (RFC 9112 §6).
    public enum BodyFraming: Sendable, Equatable {
        /// `Content-Length` bytes (0 when the request has neither header).
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
    }

    /// The head's bytes, names lowercased.
    let storage: [UInt8]
    /// Where each field's name and value lie in `storage`, in the order received.
    let fields: [Field]

    struct Field: Sendable {
        var nameStart: Int32
        var nameEnd: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    /// The value of the first header called `name` (case-insensitive), nil if absent.
    public func header(_ name: String) -> String? {
        guard let index = fieldIndex(named: name) else { return nil }
        let field = fields[index]
        return storage.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[Int(field.valueStart)..<Int(field.valueEnd)]), as: UTF8.self)
        }
    }

    /// Calls `body` with each header's lowercased name and value bytes, in the order received.
    public func forEachHeader(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        storage.withUnsafeBytes { bytes in
            for field in fields {
                body(
                    UnsafeRawBufferPointer(rebasing: bytes[Int(field.nameStart)..<Int(field.nameEnd)]),
                    UnsafeRawBufferPointer(rebasing: bytes[Int(field.valueStart)..<Int(field.valueEnd)]))
            }
        }
    }

    private func fieldIndex(named name: String) -> Int? {
        var lowered = name
        // Callers pass literal names; lowering only when needed keeps the common case allocation-free.
        if lowered.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) {
            lowered = lowered.lowercased()
        }
        return lowered.withUTF8 { wanted in
            storage.withUnsafeBufferPointer { bytes in
                fields.firstIndex { Self.equal(bytes, $0.nameStart, $0.nameEnd, wanted) }
            }
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int32, _ end: Int32, _ wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = Int(end - start)
        guard length == wanted.count else { return false }
        for offset in 0..<length where bytes[Int(start) + offset] != wanted[offset] { return false }
        return true
    }
}
