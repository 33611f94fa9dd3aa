/// How one configuration reload ended, as the log, the metrics and `POST /reload` report it.
///
/// Either the whole new configuration serves every new request, or none of it does: a reload
/// that is refused leaves the previous configuration serving, untouched.
enum ReloadOutcome: Sendable, Equatable {
    /// What a reload put in place.
    struct Summary: Sendable, Equatable {
        /// The reload's number: 1 for the first reload since start.
        var generation: Int
        var methods: Int
        var backends: Int
        var restBindings: Int
    }

    /// Every worker serves new requests with the new configuration.
    case applied(Summary)
    /// The new configuration was refused (it does not load, or it changes a setting fixed at
    /// start); `reason` is located as `gateway --check` prints it. The previous one serves on.
    case refused(reason: String)
    /// Some worker could not switch (its backend TLS files failed to load after the check, say):
    /// it serves the previous configuration while the others serve the new one.
    case incomplete(reason: String)
    /// No reload was attempted: the gateway is shutting down, or was started without a file.
    case unavailable(reason: String)

    var succeeded: Bool {
        if case .applied = self { return true }
        return false
    }

    /// The admin listener's status for it: 200, 422 for a configuration that cannot be used
    /// (the request was fine; the file is not), 500 for a gateway left half switched, 503 when
    /// no reload can happen now.
    var httpStatus: Int {
        switch self {
        case .applied: 200
        case .refused: 422
        case .incomplete: 500
        case .unavailable: 503
        }
    }

    /// The JSON body of `POST /reload`: `{"result":"success","generation":2,...}` or
    /// `{"result":"failure","error":"gateway.yaml:7:14: ..."}`.
    var json: String {
        switch self {
        case .applied(let summary):
            return "{\"result\":\"success\",\"generation\":\(summary.generation),\"methods\":\(summary.methods),"
                + "\"backends\":\(summary.backends),\"rest_bindings\":\(summary.restBindings)}"
        case .refused(let reason), .incomplete(let reason), .unavailable(let reason):
            var text = "{\"result\":\"failure\",\"error\":"
            ErrorBody.appendJSONString(reason, to: &text)
            text += "}"
            return text
        }
    }
}
