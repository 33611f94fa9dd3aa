// bench-backend: a fast orders.OrderService for scripts/bench.
//
//   bench-backend [--port N]     (default 50151; 0 picks a free port)
//
// Prints `bench-backend listening on 127.0.0.1:<port>` once it accepts connections. It is an h2c
// (prior knowledge) gRPC server on one libevent loop and libnghttp2, answering:
//   /orders.OrderService/GetOrder, /CreateOrder   one fixed Order, then grpc-status 0
//   /orders.OrderService/StreamOrderUpdates       four fixed OrderStatus messages, no delay, then 0
//   any other path                                trailers-only grpc-status 12 (UNIMPLEMENTED)
// Request bodies are read and ignored (so a 1 MiB CreateOrder request gets the same fixed Order):
// this is a load target, not the example service (examples/orders/backend.py is that). Its
// receive windows are 16 MiB per stream and 256 MiB per connection, so large requests flow
// without waiting for window updates.
//
// Why not grpc-swift-2: an earlier version of this package was built on grpc-swift-2 2.4.3 with
// raw-bytes handlers on RPCRouter. Pinned to one core it answered ~11.4k unary calls/s (~88 µs of
// CPU a call, flat profile of generic metadata lookups, retain/release and task allocation), while
// Envoy alone proxies ~18k gRPC-Web calls/s on one core. On this 2-core machine the backend shares
// its core with wrk, so it would have been the bottleneck and both proxies would have measured the
// same. This server costs a few µs a call (see `git log` of this directory for the figures).
import CLibevent
import CNghttp2

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: Pre-encoded messages

/// `orders.Order{id: "ord-123", customer_id: "cust-9", total: 42.5, status: "shipped"}`, encoded by
/// hand (proto3 wire format, fields in number order):
///
///     0a 07 "ord-123"                  field 1 `id`, wire type 2 (LEN), 7 bytes
///     12 06 "cust-9"                   field 2 `customer_id`, LEN, 6 bytes
///     19 00 00 00 00 00 40 45 40       field 3 `total`, wire type 1 (I64): 42.5 as a little-endian
///                                      IEEE-754 double (0x4045400000000000)
///     22 07 "shipped"                  field 4 `status`, LEN, 7 bytes
///
/// 37 bytes in all; `orders_pb2.Order.FromString` decodes it to the four values above.
let encodedOrder: [UInt8] =
    [0x0a, 0x07] + Array("ord-123".utf8)
    + [0x12, 0x06] + Array("cust-9".utf8)
    + [0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x45, 0x40]
    + [0x22, 0x07] + Array("shipped".utf8)

/// One length-delimited string field (tag, one-byte varint length, UTF-8 bytes). Every string here
/// is shorter than 128 bytes, so the length is a single varint byte.
func stringField(_ number: UInt8, _ value: String) -> [UInt8] {
    let bytes = Array(value.utf8)
    precondition(bytes.count < 128)
    return [number << 3 | 2, UInt8(bytes.count)] + bytes
}

/// The four `orders.OrderStatus{order_id = 1, status = 2, timestamp = 3}` messages that
/// StreamOrderUpdates sends.
let encodedStatuses: [[UInt8]] = [
    ("created", "2026-01-05T10:00:00Z"),
    ("paid", "2026-01-05T10:00:01Z"),
    ("packed", "2026-01-05T10:00:02Z"),
    ("shipped", "2026-01-05T10:00:03Z"),
].map { status, timestamp in
    stringField(1, "ord-123") + stringField(2, status) + stringField(3, timestamp)
}

/// A gRPC length-prefixed message: flag 0 (uncompressed), big-endian u32 length, the message.
func grpcFrame(_ message: [UInt8]) -> [UInt8] {
    let n = UInt32(message.count)
    return [0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + message
}

// MARK: Server state (one thread: everything below lives on the loop's thread)

enum Method {
    case order, stream, unknown
}

/// A response header list that lives as long as the process, so nghttp2 need not copy it.
struct StaticHeaders {
    let pointer: UnsafeMutablePointer<nghttp2_nv>
    let count: Int

    init(_ pairs: [(String, String)]) {
        func cString(_ s: String) -> (UnsafeMutablePointer<UInt8>, Int) {
            let bytes = Array(s.utf8)
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            p.initialize(from: bytes, count: bytes.count)
            return (p, bytes.count)
        }
        pointer = .allocate(capacity: pairs.count)
        count = pairs.count
        let noCopy = UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue)
        for (i, (name, value)) in pairs.enumerated() {
            let (n, nl) = cString(name)
            let (v, vl) = cString(value)
            (pointer + i).initialize(
                to: nghttp2_nv(name: n, value: v, namelen: nl, valuelen: vl, flags: noCopy))
        }
    }
}

final class Server {
    let base: OpaquePointer
    let callbacks: OpaquePointer
    let orderBody = grpcFrame(encodedOrder)
    let streamBody = encodedStatuses.flatMap(grpcFrame)
    let responseHeaders = StaticHeaders([(":status", "200"), ("content-type", "application/grpc")])
    let okTrailers = StaticHeaders([("grpc-status", "0")])
    let unimplemented = StaticHeaders([
        (":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "12"),
        ("grpc-message", "bench-backend: unknown method"),
    ])
    let paths: [([UInt8], Method)] = [
        (Array("/orders.OrderService/GetOrder".utf8), .order),
        (Array("/orders.OrderService/StreamOrderUpdates".utf8), .stream),
        (Array("/orders.OrderService/CreateOrder".utf8), .order),
    ]

    init(base: OpaquePointer) {
        self.base = base
        var cbs: OpaquePointer?
        nghttp2_session_callbacks_new(&cbs)
        nghttp2_session_callbacks_set_on_begin_headers_callback(cbs) { _, frame, user in
            Connection.from(user).beginHeaders(frame!)
        }
        nghttp2_session_callbacks_set_on_header_callback(cbs) {
            _, frame, name, namelen, value, valuelen, _, user in
            Connection.from(user).header(frame!, name!, namelen, value!, valuelen)
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs) { _, frame, user in
            Connection.from(user).frameReceived(frame!)
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs) { _, streamID, _, user in
            Connection.from(user).streams.removeValue(forKey: streamID)
            return 0
        }
        callbacks = cbs!
    }

    func method(forPath path: UnsafeBufferPointer<UInt8>) -> Method {
        for (bytes, method) in paths where bytes.count == path.count && bytes.elementsEqual(path) {
            return method
        }
        return .unknown
    }
}

struct StreamRecord {
    var method: Method = .unknown
    var offset = 0
}

/// One client connection: a bufferevent and an nghttp2 server session. Retained by itself from
/// accept until it closes.
final class Connection {
    unowned let server: Server
    let bev: OpaquePointer
    var session: OpaquePointer?
    var streams: [Int32: StreamRecord] = [:]
    var closed = false

    static func from(_ user: UnsafeMutableRawPointer?) -> Connection {
        Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
    }

    init(server: Server, fd: Int32) {
        self.server = server
        bev = bufferevent_socket_new(server.base, fd, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))!
    }

    func start() {
        let me = Unmanaged.passRetained(self).toOpaque()
        nghttp2_session_server_new(&session, server.callbacks, me)
        // Receive windows large enough that a proxy never waits for WINDOW_UPDATE on a 1 MiB
        // request (nghttp2's default, HTTP/2's 64 KiB for each stream and for the connection,
        // would make the 1 MiB scenarios measure round trips through this loop, 50 streams
        // sharing 64 KiB). gRPC servers grow theirs to similar sizes (grpc-go's BDP estimator: up
        // to 16 MiB). nghttp2 still sends WINDOW_UPDATE as data is consumed.
        var settings = [
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: 4096),
            nghttp2_settings_entry(
                settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), value: 16 << 20),
        ]
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, 256 << 20)
        bufferevent_setcb(
            bev,
            { _, user in Connection.from(user).readable() },
            { _, user in Connection.from(user).drained() },
            { _, events, user in
                if events & Int16(BEV_EVENT_EOF | BEV_EVENT_ERROR) != 0 { Connection.from(user).close() }
            },
            me)
        bufferevent_enable(bev, Int16(EV_READ | EV_WRITE))
        flush()
    }

    func readable() {
        let input = bufferevent_get_input(bev)
        let length = evbuffer_get_length(input)
        guard length > 0, let data = evbuffer_pullup(input, -1) else { return }
        let consumed = nghttp2_session_mem_recv(session, data, length)
        if consumed < 0 { return close() }
        evbuffer_drain(input, length)
        flush()
    }

    /// Serializes everything nghttp2 has queued into the bufferevent's output.
    func flush() {
        while !closed {
            var chunk: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &chunk)
            if n < 0 { return close() }
            if n == 0 { break }
            bufferevent_write(bev, chunk, n)
        }
        if !closed && nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0
            && evbuffer_get_length(bufferevent_get_output(bev)) == 0
        {
            close()
        }
    }

    func drained() {
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 {
            close()
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        nghttp2_session_del(session)
        session = nil
        bufferevent_free(bev)
        Unmanaged.passUnretained(self).release()
    }

    // nghttp2 callbacks

    func beginHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        if CNghttp2_frame_type(frame) == UInt8(NGHTTP2_HEADERS.rawValue)
            && CNghttp2_headers_category(frame) == Int32(NGHTTP2_HCAT_REQUEST.rawValue)
        {
            streams[CNghttp2_frame_stream_id(frame)] = StreamRecord()
        }
        return 0
    }

    func header(
        _ frame: UnsafePointer<nghttp2_frame>, _ name: UnsafePointer<UInt8>, _ nameLength: Int,
        _ value: UnsafePointer<UInt8>, _ valueLength: Int
    ) -> Int32 {
        guard nameLength == 5, memcmp(name, ":path", 5) == 0 else { return 0 }
        let id = CNghttp2_frame_stream_id(frame)
        streams[id]?.method = server.method(
            forPath: UnsafeBufferPointer(start: value, count: valueLength))
        return 0
    }

    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let type = CNghttp2_frame_type(frame)
        guard type == UInt8(NGHTTP2_DATA.rawValue) || type == UInt8(NGHTTP2_HEADERS.rawValue),
            CNghttp2_frame_flags(frame) & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
        else { return 0 }
        let id = CNghttp2_frame_stream_id(frame)
        guard let record = streams[id] else { return 0 }
        if record.method == .unknown {
            return nghttp2_submit_response(
                session, id, server.unimplemented.pointer, server.unimplemented.count, nil)
        }
        var provider = nghttp2_data_provider(
            source: nghttp2_data_source(ptr: nil),
            read_callback: { _, streamID, buffer, length, flags, _, user in
                Connection.from(user).readBody(streamID, buffer!, length, flags!)
            })
        return nghttp2_submit_response(
            session, id, server.responseHeaders.pointer, server.responseHeaders.count, &provider)
    }

    /// The data provider: copies the rest of the fixed body, then queues the trailers.
    func readBody(
        _ id: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ length: Int,
        _ flags: UnsafeMutablePointer<UInt32>
    ) -> Int {
        guard var record = streams[id] else {
            return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        let body = record.method == .stream ? server.streamBody : server.orderBody
        let n = min(length, body.count - record.offset)
        body.withUnsafeBufferPointer { b in
            buffer.update(from: b.baseAddress! + record.offset, count: n)
        }
        record.offset += n
        streams[id] = record
        if record.offset == body.count {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
            nghttp2_submit_trailer(session, id, server.okTrailers.pointer, server.okTrailers.count)
        }
        return n
    }
}

// MARK: Main

/// Writes one line to standard error and exits with status 2. (`stderr` itself cannot be referenced
/// in language mode 6: it is a mutable C global.)
func fail(_ message: String) -> Never {
    let line = Array("bench-backend: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

@main
enum BenchBackend {
    static func main() {
        var port = 50151
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--port":
                guard let value = arguments.popFirst(), let parsed = Int(value),
                    (0...65535).contains(parsed)
                else { fail("--port needs a number 0...65535") }
                port = parsed
            case "-h", "--help":
                print("usage: bench-backend [--port N]   (default 50151; 0 picks a free port)")
                exit(0)
            default:
                fail("unknown argument \(argument)")
            }
        }
        signal(SIGPIPE, SIG_IGN)

        guard let base = event_base_new() else { fail("event_base_new failed") }
        let server = Server(base: base)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let listener = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                evconnlistener_new_bind(
                    base,
                    { _, fd, _, _, user in
                        var one: Int32 = 1
                        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                        let server = Unmanaged<Server>.fromOpaque(user!).takeUnretainedValue()
                        Connection(server: server, fd: fd).start()
                    },
                    Unmanaged.passUnretained(server).toOpaque(),
                    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 1024, $0,
                    Int32(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard let listener else { fail("cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }

        var bound = sockaddr_in()
        var boundLength = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(evconnlistener_get_fd(listener), $0, &boundLength)
            }
        }
        print("bench-backend listening on 127.0.0.1:\(UInt16(bigEndian: bound.sin_port))")
        fflush(nil)
        event_base_dispatch(base)
        withExtendedLifetime(server) {}
    }
}
