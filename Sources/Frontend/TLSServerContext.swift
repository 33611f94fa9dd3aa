internal import CLibevent
internal import CLibeventOpenSSL

/// The front end's OpenSSL server context: the gateway's certificate and key, TLS 1.2 or later.
/// Each accepted connection gets its own session on an OpenSSL bufferevent.
public final class TLSServerContext {
    let context: OpaquePointer

    /// Loads the certificate chain and key now, so a bad file stops the start.
    /// - Throws: a message naming the file and OpenSSL's reason.
    public init(certificateFile: String, keyFile: String) throws(TLSServerError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSServerError(description: "cannot create a TLS context: \(Self.lastError())")
        }
        self.context = context
        _ = CLibeventOpenSSL_set_min_proto_version(context, TLS1_2_VERSION)
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            throw TLSServerError(description: "cannot load certificate \(certificateFile): \(Self.lastError())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1, SSL_CTX_check_private_key(context) == 1
        else {
            throw TLSServerError(description: "cannot use private key \(keyFile) with \(certificateFile): \(Self.lastError())")
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// A bufferevent that accepts TLS on the newly accepted socket `descriptor`.
    func makeBufferevent(base: OpaquePointer, descriptor: Int32) -> OpaquePointer? {
        guard let ssl = SSL_new(context) else { return nil }
        return bufferevent_openssl_socket_new(
            base, descriptor, ssl, BUFFEREVENT_SSL_ACCEPTING, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// The front end's TLS files could not be used.
public struct TLSServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
