#ifndef BENCH_CLIBEVENT_SHIM_H
#define BENCH_CLIBEVENT_SHIM_H

// event2/event-config.h defines _GNU_SOURCE, which changes glibc's fd_set inside this C module and
// breaks Swift's Glibc module; including these two first keeps them in agreement
// (../shared/design/pitfalls.md).
#include <sys/types.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>

#endif
