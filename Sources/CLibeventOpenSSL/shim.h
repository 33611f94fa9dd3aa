#ifndef CLIBEVENTOPENSSL_SHIM_H
#define CLIBEVENTOPENSSL_SHIM_H

// See CLibevent/shim.h: these two first, so event-config.h's _GNU_SOURCE does not change fd_set.
#include <sys/types.h>
#include <sys/time.h>

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <event2/bufferevent_ssl.h>

/// Sets the SNI name: SSL_set_tlsext_host_name is a macro Swift cannot import.
static inline int CLibeventOpenSSL_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// Refuses protocol versions below `version`: SSL_CTX_set_min_proto_version is a macro.
static inline int CLibeventOpenSSL_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}

#endif
