internal import CLibevent
internal import CNghttp2
internal import GRPCWire
internal import Reactor

/// The C side of ``Connection``: libevent and nghttp2 callbacks. Each one finds its connection
/// (or stream) from the opaque pointer it was registered with and calls one method; this file is
/// the only place that converts those pointers.
extension Connection {
    static func makeSession(owner connection: Connection) -> OpaquePointer? {
        var callbacks: OpaquePointer?
        nghttp2_session_callbacks_new(&callbacks)
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_send_callback(callbacks) { _, data, length, _, user in
            let connection = Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
            return connection.sessionWantsToSend(UnsafeRawBufferPointer(start: data, count: length))
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, user in
            Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue().frameDidArrive(frame!)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, user in
            let connection = Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
            connection.headerDidArrive(
                frame!, name: UnsafeRawBufferPointer(start: name, count: nameLength),
                value: UnsafeRawBufferPointer(start: value, count: valueLength))
            return 0
        }
        // nghttp2 resets a stream over a header it deems invalid. Returning 0 here keeps the
        // stream and drops the header; a header that is only unusual (an upper-case name) is
        // kept, but never one with characters that could break an HTTP/1.1 header line.
        nghttp2_session_callbacks_set_on_invalid_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, user in
            guard let name, let value, nghttp2_check_header_value(value, valueLength) != 0 else { return 0 }
            var lowered = [UInt8](UnsafeBufferPointer(start: name, count: nameLength))
            for index in lowered.indices where lowered[index] >= 0x41 && lowered[index] <= 0x5A {
                lowered[index] += 0x20
            }
            guard nghttp2_check_header_name(lowered, lowered.count) != 0 else { return 0 }
            let connection = Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
            lowered.withUnsafeBytes { loweredName in
                connection.headerDidArrive(
                    frame!, name: loweredName, value: UnsafeRawBufferPointer(start: value, count: valueLength))
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, user in
            let connection = Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue()
            connection.dataDidArrive(streamID: streamID, bytes: UnsafeRawBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, user in
            Unmanaged<Connection>.fromOpaque(user!).takeUnretainedValue().streamDidClose(streamID, errorCode: errorCode)
            return 0
        }

        var options: OpaquePointer?
        nghttp2_option_new(&options)
        defer { nghttp2_option_del(options) }
        // Flow-control credit is returned by hand (RPCStream.consume) as the client drains.
        nghttp2_option_set_no_auto_window_update(options, 1)
        // Real gRPC servers send grpc-message values with trailing spaces; RFC 9113 forbids them
        // and nghttp2 would reset the stream. Accept them (they are trimmed for HTTP/1.1 anyway).
        nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(options, 1)
        // Until the peer's SETTINGS arrive, assume a common limit instead of "unlimited".
        nghttp2_option_set_peer_max_concurrent_streams(options, 100)

        var session: OpaquePointer?
        let opaque = Unmanaged.passUnretained(connection).toOpaque()
        guard nghttp2_session_client_new2(&session, callbacks, opaque, options) == 0 else { return nil }
        return session
    }

    /// nghttp2's data provider: copies queued request bytes of the stream into the frame.
    static let readRequestBody: nghttp2_data_source_read_callback = { _, _, buffer, length, flags, source, _ in
        let stream = Unmanaged<RPCStream>.fromOpaque(source!.pointee.ptr!).takeUnretainedValue()
        let copied = stream.takeOutbound(into: UnsafeMutableRawBufferPointer(start: buffer, count: length))
        if stream.outboundIsDrained {
            if stream.outboundFinished {
                flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            } else if copied == 0 {
                stream.outboundDeferred = true
                return Int(NGHTTP2_ERR_DEFERRED.rawValue)
            }
        }
        return copied
    }

    func installBuffereventCallbacks(_ bufferevent: OpaquePointer) {
        bufferevent_setcb(bufferevent, { _, argument in
            Unmanaged<Connection>.fromOpaque(argument!).takeUnretainedValue().socketDidRead()
        }, { _, argument in
            Unmanaged<Connection>.fromOpaque(argument!).takeUnretainedValue().socketDidDrain()
        }, { _, events, argument in
            Unmanaged<Connection>.fromOpaque(argument!).takeUnretainedValue().socketDidReceiveEvent(events)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func stream(for streamID: Int32) -> RPCStream? {
        streams[streamID]
    }

    func frameDidArrive(_ frame: UnsafePointer<nghttp2_frame>) {
        let header = frame.pointee.hd
        switch UInt32(header.type) {
        case NGHTTP2_SETTINGS.rawValue:
            if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 {
                peerSettingsDidArrive()
            }
        case NGHTTP2_GOAWAY.rawValue:
            goAwayDidArrive()
        case NGHTTP2_PING.rawValue:
            if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 {
                pingAcknowledged()
            }
        case NGHTTP2_HEADERS.rawValue:
            guard let stream = stream(for: header.stream_id) else { return }
            let endsStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            headersDidComplete(on: stream, category: frame.pointee.headers.cat, endsStream: endsStream)
        default:
            break
        }
    }

    func headerDidArrive(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        guard let stream = stream(for: frame.pointee.hd.stream_id) else { return }
        let name = String(decoding: name, as: UTF8.self)
        let value = String(decoding: value, as: UTF8.self)
        switch name {
        case ":status": stream.httpStatus = Int(value) ?? 0
        case "content-type": stream.contentType = value
        case "grpc-status": stream.grpcStatus = value
        case "grpc-message": stream.grpcMessage = value
        default:
            if !name.hasPrefix(":") && name != "content-length" {
                stream.headerBlock.append((name, value))
            }
        }
    }

    func dataDidArrive(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        guard let stream = stream(for: streamID), stream.headDelivered, !stream.isFinished else {
            // Body of a reply that is not gRPC (or of a cancelled call): drop it, but keep the
            // connection's window open.
            _ = nghttp2_session_consume(session, streamID, bytes.count)
            return
        }
        stream.deliver(bytes)
    }

    /// A complete HEADERS block: the response head, or the trailers (or trailers-only reply).
    private func headersDidComplete(on stream: RPCStream, category: nghttp2_headers_category, endsStream: Bool) {
        if stream.httpStatus >= 100 && stream.httpStatus < 200 && !endsStream {
            // Informational (1xx) head: forget it, the real head follows.
            stream.httpStatus = 0
            stream.headerBlock.removeAll()
            return
        }
        if endsStream {
            finishFromTrailers(stream)
            return
        }
        guard category == NGHTTP2_HCAT_RESPONSE, !stream.headDelivered else { return }
        let isGRPC = stream.httpStatus == 200 && (stream.contentType?.hasPrefix("application/grpc") ?? false)
        let metadata = stream.headerBlock
        stream.headerBlock.removeAll(keepingCapacity: true)
        if isGRPC {
            stream.deliverHead(metadata)
        }
        // Otherwise the head is withheld: the body is dropped and a status is synthesized from
        // the HTTP status at the end (gRPC's http-grpc-status-mapping).
    }

    private func finishFromTrailers(_ stream: RPCStream) {
        let trailers = stream.headerBlock
        stream.headerBlock.removeAll()
        stream.finish(Self.status(of: stream), trailers: trailers)
    }

    /// The call's status from what the backend sent, per gRPC's PROTOCOL-HTTP2 and
    /// http-grpc-status-mapping documents.
    static func status(of stream: RPCStream) -> GRPCStatus {
        if let value = stream.grpcStatus {
            guard let code = GRPCStatus.parseCode(value) else {
                return GRPCStatus(.unknown, "backend sent an invalid grpc-status \"\(value)\"")
            }
            return GRPCStatus(code, stream.grpcMessage.map(GRPCMessageEncoding.decode) ?? "")
        }
        if stream.httpStatus != 200 {
            let code = StatusMapping.code(forHTTPStatus: stream.httpStatus)
            return GRPCStatus(code, "backend answered HTTP \(stream.httpStatus) without a grpc-status")
        }
        if !(stream.contentType?.hasPrefix("application/grpc") ?? false) {
            return GRPCStatus(.unknown, "backend reply has content-type \(stream.contentType ?? "none"), not application/grpc")
        }
        return GRPCStatus(.unknown, "backend reply ended without a grpc-status")
    }
}
