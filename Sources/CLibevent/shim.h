#ifndef CLIBEVENT_SHIM_H
#define CLIBEVENT_SHIM_H

// event2/event-config.h defines _GNU_SOURCE, which changes glibc's fd_set inside this C module and
// breaks Swift's Glibc module. Including these two first (and no other glibc header) keeps them in
// agreement. See ../shared/design/pitfalls.md.
#include <sys/types.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>

/// First header of an evkeyvalq (a TAILQ head): TAILQ_FIRST is a macro Swift cannot import.
static inline struct evkeyval *CLibevent_evkeyvalq_first(struct evkeyvalq *headers) {
    return headers->tqh_first;
}

/// The header after `entry` in its evkeyvalq: TAILQ_NEXT is a macro Swift cannot import.
static inline struct evkeyval *CLibevent_evkeyval_next(struct evkeyval *entry) {
    return entry->next.tqe_next;
}

#endif
