internal import CLibeventOpenSSL
internal import Glibc

/// TLS settings for a backend, as paths and names (checked when the context is made).
public struct TLSConfiguration: Sendable, Hashable {
    /// PEM CA certificates that sign the backend's certificate; nil: the system's trust store.
    public var caFile: String?
    /// PEM client certificate and its key, for mutual TLS.
    public var certificateFile: String?
    public var keyFile: String?
    /// The name sent as SNI and checked against the certificate; nil: the endpoint's host.
    public var serverName: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }
}

/// An OpenSSL client context for one backend: trust anchors, optional client certificate, peer
/// verification on, and ALPN offering only `h2` (gRPC requires HTTP/2, and a server that does not
/// select it is refused rather than spoken to in HTTP/1.1).
final class TLSClientContext {
    let context: OpaquePointer
    let configuration: TLSConfiguration

    /// Makes the context, loading every file now so a bad path or key fails at start.
    /// - Throws: ``BackendError`` naming the file and OpenSSL's reason.
    init(_ configuration: TLSConfiguration) throws(BackendError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw BackendError("cannot create a TLS context: \(Self.lastError())")
        }
        self.context = context
        self.configuration = configuration
        _ = CLibeventOpenSSL_set_min_proto_version(context, TLS1_2_VERSION)
        if let caFile = configuration.caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw BackendError("cannot load CA certificates from \(caFile): \(Self.lastError())")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(context)
        }
        if let certificate = configuration.certificateFile, let key = configuration.keyFile {
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw BackendError("cannot load client certificate \(certificate): \(Self.lastError())")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_check_private_key(context) == 1
            else {
                throw BackendError("cannot use private key \(key) with \(certificate): \(Self.lastError())")
            }
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        // ALPN protocol list in wire format: length-prefixed names.
        let alpn: [UInt8] = [2, UInt8(ascii: "h"), UInt8(ascii: "2")]
        guard SSL_CTX_set_alpn_protos(context, alpn, UInt32(alpn.count)) == 0 else {
            throw BackendError("cannot set ALPN: \(Self.lastError())")
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// A new TLS session for a connection to `host`, with SNI and name (or IP) verification set.
    func makeSession(host: String) -> OpaquePointer? {
        guard let ssl = SSL_new(context) else { return nil }
        let name = configuration.serverName ?? host
        let parameters = SSL_get0_param(ssl)
        if Self.isIPAddress(name) {
            _ = X509_VERIFY_PARAM_set1_ip_asc(parameters, name)
        } else {
            _ = CLibeventOpenSSL_set_server_name(ssl, name)
            _ = SSL_set1_host(ssl, name)
        }
        return ssl
    }

    /// The protocol the server selected with ALPN, nil if none.
    static func negotiatedProtocol(_ ssl: OpaquePointer) -> String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// OpenSSL's most recent error as text (and clears the queue).
    static func lastError(_ code: UInt = ERR_get_error()) -> String {
        guard code != 0 else { return "unknown error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }
}
