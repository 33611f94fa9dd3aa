import GRPCWire
import Testing

@Suite("StatusMapping")
struct StatusMappingTests {
    /// protocols.md B2, row by row.
    @Test(
        "gRPC code maps to the HTTP status in B2",
        arguments: [
            (GRPCStatusCode.ok, 200),
            (.cancelled, 499),
            (.unknown, 500),
            (.invalidArgument, 400),
            (.deadlineExceeded, 504),
            (.notFound, 404),
            (.alreadyExists, 409),
            (.permissionDenied, 403),
            (.resourceExhausted, 429),
            (.failedPrecondition, 400),
            (.aborted, 409),
            (.outOfRange, 400),
            (.unimplemented, 501),
            (.internalError, 500),
            (.unavailable, 503),
            (.dataLoss, 500),
            (.unauthenticated, 401),
        ]
    )
    func httpStatusForCode(code: GRPCStatusCode, http: Int) {
        #expect(StatusMapping.httpStatus(for: code) == http)
    }

    /// protocols.md B3, row by row, plus "any other" samples.
    @Test(
        "HTTP status without grpc-status maps to the gRPC code in B3",
        arguments: [
            (400, GRPCStatusCode.internalError),
            (401, .unauthenticated),
            (403, .permissionDenied),
            (404, .unimplemented),
            (429, .unavailable),
            (431, .internalError),
            (502, .unavailable),
            (503, .unavailable),
            (504, .unavailable),
            (200, .unknown),
            (204, .unknown),
            (302, .unknown),
            (405, .unknown),
            (500, .unknown),
            (501, .unknown),
            (0, .unknown),
            (999, .unknown),
        ]
    )
    func codeForHTTPStatus(http: Int, code: GRPCStatusCode) {
        #expect(StatusMapping.code(forHTTPStatus: http) == code)
    }

    /// protocols.md B1 RST_STREAM table, with RFC 9113 §7 error code numbers.
    @Test(
        "RST_STREAM error code maps to the gRPC code in B1",
        arguments: [
            (UInt32(0x0), GRPCStatusCode.internalError),  // NO_ERROR
            (0x1, .internalError),  // PROTOCOL_ERROR
            (0x2, .internalError),  // INTERNAL_ERROR
            (0x3, .internalError),  // FLOW_CONTROL_ERROR
            (0x4, .internalError),  // SETTINGS_TIMEOUT
            (0x6, .internalError),  // FRAME_SIZE_ERROR
            (0x7, .unavailable),  // REFUSED_STREAM
            (0x8, .cancelled),  // CANCEL
            (0x9, .internalError),  // COMPRESSION_ERROR
            (0xA, .internalError),  // CONNECT_ERROR
            (0xB, .resourceExhausted),  // ENHANCE_YOUR_CALM
            (0xC, .permissionDenied),  // INADEQUATE_SECURITY
        ]
    )
    func codeForRSTStream(errorCode: UInt32, code: GRPCStatusCode) {
        #expect(StatusMapping.code(forRSTStreamErrorCode: errorCode) == code)
    }

    @Test(
        "RST_STREAM codes outside the B1 table map to INTERNAL",
        arguments: [UInt32(0x5), 0xD, 0xE, 0xFF, UInt32.max]
    )
    func codeForUnlistedRSTStream(errorCode: UInt32) {
        #expect(StatusMapping.code(forRSTStreamErrorCode: errorCode) == .internalError)
    }
}
