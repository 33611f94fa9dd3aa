/// The tables that translate between gRPC status codes, HTTP statuses and HTTP/2 stream resets.
///
/// Each table is one `switch` so it reads like the spec it copies; surprising rows carry a comment.
/// The three directions are deliberately separate functions: the mappings are neither symmetric nor
/// one-to-one (gRPC's http-grpc-status-mapping.md says so explicitly).
public enum StatusMapping {
    /// The HTTP status a REST/JSON client sees for a gRPC code.
    ///
    /// Table from `google/rpc/code.proto`, which Envoy's transcoder and grpc-gateway's
    /// `HTTPStatusFromCode` reproduce exactly.
    /// - Parameter code: The gRPC code the backend returned.
    /// - Returns: The HTTP status code to send.
    public static func httpStatus(for code: GRPCStatusCode) -> Int {
        switch code {
        case .ok: 200
        // Not an IANA status: nginx's "Client Closed Request", which code.proto names explicitly.
        case .cancelled: 499
        case .unknown: 500
        case .invalidArgument: 400
        case .deadlineExceeded: 504
        case .notFound: 404
        case .alreadyExists: 409
        case .permissionDenied: 403
        case .resourceExhausted: 429
        // Deliberately 400, not 412: 412 is about HTTP conditional headers, which gRPC has none of.
        case .failedPrecondition: 400
        case .aborted: 409
        case .outOfRange: 400
        case .unimplemented: 501
        case .internalError: 500
        case .unavailable: 503
        case .dataLoss: 500
        case .unauthenticated: 401
        }
    }

    /// The gRPC code to report when a backend reply carries an HTTP status but no `grpc-status`.
    ///
    /// From gRPC's http-grpc-status-mapping.md. Only for that broken-deployment case: it is **not**
    /// the inverse of ``httpStatus(for:)`` and must not be used to choose statuses we send.
    /// - Parameter status: The `:status` of the backend's response.
    /// - Returns: The synthesized gRPC code.
    public static func code(forHTTPStatus status: Int) -> GRPCStatusCode {
        switch status {
        // A 400 from a gRPC server means our request was malformed: the gateway's fault, not the
        // client's, hence INTERNAL rather than INVALID_ARGUMENT.
        case 400: .internalError
        case 401: .unauthenticated
        case 403: .permissionDenied
        // 404 means no such service/method path on the backend.
        case 404: .unimplemented
        // Rate limiting is worth a retry, so UNAVAILABLE rather than RESOURCE_EXHAUSTED.
        case 429: .unavailable
        // Present in the gRPC document; some Envoy versions lack this row.
        case 431: .internalError
        case 502, 503, 504: .unavailable
        // Includes 200 without grpc-status: a reply that is not gRPC at all.
        default: .unknown
        }
    }

    /// The gRPC code for a stream the backend reset with RST_STREAM.
    ///
    /// Table from gRPC over HTTP/2 (PROTOCOL-HTTP2.md, "Errors"); error code numbers from RFC 9113
    /// §7. Codes the table does not list (STREAM_CLOSED, HTTP_1_1_REQUIRED and any unknown value,
    /// which RFC 9113 §7 says must not trigger special behaviour) map to INTERNAL, like the
    /// protocol errors they are.
    /// - Parameter errorCode: The 32-bit error code from the RST_STREAM frame.
    /// - Returns: The gRPC code to close the call with.
    public static func code(forRSTStreamErrorCode errorCode: UInt32) -> GRPCStatusCode {
        switch errorCode {
        // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT.
        case 0x0, 0x1, 0x2, 0x3, 0x4: .internalError
        // FRAME_SIZE_ERROR.
        case 0x6: .internalError
        // REFUSED_STREAM: the server did no work, so the call is safe to retry.
        case 0x7: .unavailable
        // CANCEL.
        case 0x8: .cancelled
        // COMPRESSION_ERROR, CONNECT_ERROR.
        case 0x9, 0xA: .internalError
        // ENHANCE_YOUR_CALM: the peer thinks we are abusive.
        case 0xB: .resourceExhausted
        // INADEQUATE_SECURITY: the transport does not meet the peer's security requirements.
        case 0xC: .permissionDenied
        // STREAM_CLOSED (0x5), HTTP_1_1_REQUIRED (0xD) and unknown codes: not in gRPC's table.
        default: .internalError
        }
    }
}
