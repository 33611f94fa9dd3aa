#!/usr/bin/env python3
"""Memory held by idle keep-alive connections, for scripts/bench. Standard library only.

    idle_conns.py --port P --pid PID --scenario NAME --proxy NAME [--connections 10000]
                  [--path /v1/orders/ord-123] [--hold 5] [--parallel 200]

Opens CONNECTIONS HTTP/1.1 connections to 127.0.0.1:P, PARALLEL at a time. On each it sends one
keep-alive GET PATH and reads the whole response (Content-Length or chunked), so every connection
has served a request and sits in keep-alive, as a browser's or a client pool's does. With all of
them open it waits HOLD seconds, reads the proxy's VmRSS (/proc/PID/status), counts how many
connections the proxy has closed meanwhile, closes them all, waits HOLD seconds again and reads
VmRSS once more. Prints one JSON line (kind "idle") that scripts/bench_report.py shows in its own
table: RSS before, with the connections, after closing them, and the difference per connection.
A measurement: it prints and never asserts. The file-descriptor limit must allow CONNECTIONS
sockets here and in the proxy (scripts/bench raises `ulimit -n`).
"""

import argparse
import asyncio
import json
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def read_response(reader):
    """Reads one HTTP/1.1 response; returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    if headers.get("connection", "").lower() == "close":
        raise ConnectionError("the proxy answered Connection: close")
    return status


async def open_one(port, request, semaphore, timeout):
    async with semaphore:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        try:
            writer.write(request)
            status = await asyncio.wait_for(read_response(reader), timeout)
        except BaseException:
            writer.close()
            raise
        if status != 200:
            writer.close()
            raise ConnectionError(f"HTTP {status}")
        return reader, writer


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--path", default="/v1/orders/ord-123")
    parser.add_argument("--hold", type=float, default=5.0)
    parser.add_argument("--parallel", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
               "Accept: application/json\r\n\r\n").encode()
    rss_before = rss_kib(args.pid)
    semaphore = asyncio.Semaphore(args.parallel)
    started = time.monotonic()
    results = await asyncio.gather(
        *(open_one(args.port, request, semaphore, args.timeout) for _ in range(args.connections)),
        return_exceptions=True)
    open_s = time.monotonic() - started
    connections = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    await asyncio.sleep(args.hold)   # the loop keeps running: closes by the proxy are seen
    rss_open = rss_kib(args.pid)
    still_open = sum(1 for reader, _ in connections if not reader.at_eof())
    for _, writer in connections:
        writer.close()
    await asyncio.sleep(args.hold)
    rss_closed = rss_kib(args.pid)

    first_error = ""
    if errors:
        first_error = f"{type(errors[0]).__name__}: {errors[0]}"[:200]
    print(json.dumps({
        "kind": "idle", "scenario": args.scenario, "proxy": args.proxy,
        "connections": args.connections, "opened": len(connections), "failed": len(errors),
        "still_open": still_open, "open_s": round(open_s, 2), "hold_s": args.hold,
        "rss_before_kib": rss_before, "rss_open_kib": rss_open, "rss_closed_kib": rss_closed,
        "first_error": first_error,
    }))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except ProcessLookupError as e:
        sys.exit(f"idle_conns: {e}")
