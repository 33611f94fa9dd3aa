internal import Backend
internal import Frontend
internal import Schema
internal import Config
internal import GRPCWire
internal import Reactor

/// What one worker shares between its calls: the frozen plan, and the worker's own loop and
/// backend connection pools (never touched from another thread).
final class WorkerContext {
    let loop: EventLoop
    let plan: GatewayPlan
    let cors: CORS
    /// One cluster per configured backend, in ``GatewayPlan/backends`` order.
    let backends: [BackendCluster]

    /// - Throws: ``BackendError`` if a backend's TLS files cannot be loaded (checked at start too).
    init(loop: EventLoop, plan: GatewayPlan) throws(BackendError) {
        self.loop = loop
        self.plan = plan
        self.cors = CORS(policy: plan.configuration.cors)
        self.backends = try plan.backends.map { (backend) throws(BackendError) in try BackendCluster(loop: loop, configuration: backend) }
    }
}

/// Decides what each request is and who answers it. Nothing that fails to match is forwarded:
///
/// | request | answered by |
/// |---|---|
/// | `OPTIONS` with `Origin` and `Access-Control-Request-Method` | the gateway (CORS preflight) |
/// | a gRPC-Web content type | ``GRPCWebCall`` |
/// | a routed gRPC method path with another content type | the gateway: 415 |
/// | anything else | the gateway: 404 |
///
/// Errors for requests that are not gRPC-Web are `google.rpc.Status` JSON (``ErrorBody``).
final class Dispatcher: HTTPRequestHandler {
    private let context: WorkerContext

    init(context: WorkerContext) {
        self.context = context
    }

    func handle(_ exchange: HTTPExchange) {
        if CORS.isPreflight(exchange) {
            context.cors.answerPreflight(exchange)
            return
        }
        let corsOrigin = context.cors.allowedOrigin(of: exchange)
        let contentTypeValue = exchange.header("Content-Type")
        let limit = context.plan.configuration.limits.maxRequestBodyBytes
        let bodyTooLarge = exchange.body.count > limit
        let tooLarge = GRPCStatus(.resourceExhausted, "request body of \(exchange.body.count) bytes is larger than the limit of \(limit) bytes")
        if let contentType = GRPCWebCall.ContentType(contentTypeValue) {
            if bodyTooLarge {
                GRPCWebCall.reject(exchange: exchange, contentType: contentType, status: tooLarge, context: context, corsOrigin: corsOrigin)
                return
            }
            GRPCWebCall.start(exchange: exchange, contentType: contentType, context: context, corsOrigin: corsOrigin)
            return
        }
        let corsHeaders = corsOrigin.map { context.cors.responseHeaders(origin: $0, exposing: []) } ?? []
        if bodyTooLarge {
            ErrorBody.respond(exchange, status: tooLarge, httpStatus: 413, extraHeaders: corsHeaders)
            return
        }
        if context.plan.route(forPath: exchange.path) != nil {
            let shown = contentTypeValue.map { "\"\($0)\"" } ?? "none"
            ErrorBody.respond(
                exchange,
                status: GRPCStatus(
                    .invalidArgument,
                    "content type \(shown) is not supported for \(exchange.path); use application/grpc-web or application/grpc-web-text"),
                httpStatus: 415, extraHeaders: corsHeaders)
            return
        }
        ErrorBody.respond(
            exchange, status: GRPCStatus(.notFound, "no route for \(exchange.method.rawValue) \(exchange.path)"),
            extraHeaders: corsHeaders)
    }
}
