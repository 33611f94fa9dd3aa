internal import Frontend
internal import GRPCWire
internal import Reactor

/// Errors the gateway makes for requests that are not gRPC-Web, written as a `google.rpc.Status`
/// JSON body (`{"code": N, "message": "...", "details": []}`) with `application/json`, as
/// grpc-gateway and Envoy's `convert_grpc_status` do, never as plain text.
enum ErrorBody {
    /// Answers `exchange` with `status` as JSON and `httpStatus` (by default the canonical
    /// mapping of the code, google/rpc/code.proto).
    static func respond(
        _ exchange: HTTPExchange, status: GRPCStatus, httpStatus: Int? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        let body = Buffer()
        body.append(json(for: status))
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        headers.append(contentsOf: extraHeaders)
        exchange.respond(status: httpStatus ?? StatusMapping.httpStatus(for: status.code), headers: headers, body: body)
    }

    /// The JSON text of `status`.
    static func json(for status: GRPCStatus) -> String {
        var text = "{\"code\":\(status.code.rawValue),\"message\":"
        appendJSONString(status.message, to: &text)
        text += ",\"details\":[]}"
        return text
    }

    /// Appends `value` as a JSON string literal (RFC 8259 §7 escapes).
    static func appendJSONString(_ value: String, to text: inout String) {
        text.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }
}
