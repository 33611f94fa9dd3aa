#!/usr/bin/env python3
"""Prints scripts/bench's results as a table. Standard library only.

    python3 scripts/bench_report.py RESULTS.jsonl

Each line of RESULTS.jsonl is one measured run, written by scripts/bench:
  scenario, proxy            names
  tool                       "wrk" or "h2load"
  requests, duration_us      completed responses and the load tool's run time
  p50_us, p99_us, max_us     latency percentiles from the load tool
  good, bad_http, bad_grpc   response checks (wrk Lua; h2load only checks the HTTP status);
                             bad_grpc counts 200s with a wrong body (gRPC-Web frames or JSON)
  sock_errors                connect + read + write + timeout errors seen by the load tool
  cpu_ticks, clk_tck         utime + stime of the measured process over the run (clock ticks)
  window_s                   wall time between the two CPU snapshots
  rss_kib                    VmRSS of the measured process after the run
  core0_busy, core1_busy     % busy of each CPU over the window (/proc/stat), all processes

Lines with "kind": "idle" (scripts/bench.d/idle_conns.py) are the idle keep-alive connection
runs, shown in a second table:
  connections, opened, failed, still_open   asked for, established (each served one request),
                                            failed, and still open after the hold
  rss_before_kib, rss_open_kib, rss_closed_kib   the proxy's VmRSS before, with them all open,
                                            and after closing them
  open_s, hold_s, first_error               time to open them all, the hold, the first failure

Ratios compare each row with the Envoy row of the same scenario: CPU per request (lower is
better) and requests/s (higher is better); for idle connections, RSS per connection.
"""

import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def derive(r):
    seconds = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / seconds if seconds > 0 else 0.0
    cpu_s = r["cpu_ticks"] / r["clk_tck"]
    r["cpu_us"] = cpu_s * 1e6 / r["requests"] if r["requests"] else float("nan")
    r["core_pct"] = 100.0 * cpu_s / r["window_s"] if r["window_s"] > 0 else 0.0
    return r


def ms(us):
    return f"{us / 1000:.2f}"


def ratio(value, base):
    if base is None or not base or value != value:
        return "-"
    return f"{value / base:.2f}x"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench_report.py RESULTS.jsonl")
    loaded = load(sys.argv[1])
    idle = [r for r in loaded if r.get("kind") == "idle"]
    rows = [derive(r) for r in loaded if r.get("kind") != "idle"]
    if rows:
        print_load(rows)
    if idle:
        if rows:
            print()
        print_idle(idle)


def print_load(rows):
    envoy = {r["scenario"]: r for r in rows if r["proxy"] == "envoy"}
    header = [
        "scenario", "proxy", "req/s", "p50 ms", "p99 ms", "CPU us/req", "core %", "RSS MiB",
        "CPU/req vs Envoy", "req/s vs Envoy", "errors http/body/sock", "core0/core1 busy %",
        "CPU1: wrk+backend us/req",
    ]
    table = []
    for r in rows:
        base = envoy.get(r["scenario"])
        compared = r["proxy"] not in ("envoy", "backend (direct)")
        grpc_errors = "-" if r["tool"] == "h2load" else str(r["bad_grpc"])
        table.append([
            r["scenario"],
            r["proxy"],
            f"{r['rps']:,.0f}",
            ms(r["p50_us"]),
            ms(r["p99_us"]),
            f"{r['cpu_us']:.1f}",
            f"{r['core_pct']:.0f}",
            f"{r['rss_kib'] / 1024:.1f}",
            ratio(r["cpu_us"], base and base["cpu_us"]) if compared else ("1.00x" if r["proxy"] == "envoy" else "-"),
            ratio(r["rps"], base and base["rps"]) if compared else ("1.00x" if r["proxy"] == "envoy" else "-"),
            f"{r['bad_http']}/{grpc_errors}/{r['sock_errors']}",
            f"{r['core0_busy']:.0f}/{r['core1_busy']:.0f}",
            "-" if r["tool"] != "wrk" or not r["requests"] else
            f"{r['wrk_cpu_us'] / r['requests']:.1f}+{r['backend_cpu_us'] / r['requests']:.1f}",
        ])

    print_table(header, table)

    print()
    print("CPU us/req: the measured process's utime+stime over the run / completed requests")
    print("  (the proxy's; for 'backend (direct)' rows the backend's). core %: that CPU time / wall")
    print("  time (100 = one core saturated). RSS: VmRSS after the run.")
    print("errors: non-200 responses / 200s whose body was wrong (gRPC-Web: frames, message count,")
    print("  trailer without grpc-status 0; REST: content type, JSON not the expected objects, message")
    print("  count; '-' = not checked by h2load) / socket errors.")
    print("REST stream x4: the gateway answers NDJSON (its default), Envoy's transcoder one JSON array")
    print("  (its default); both carry the same four objects. 1 MiB rows: the request body is ~1 MiB,")
    print("  the answer the usual small Order.")
    print("core0/core1 busy %: whole-CPU load from /proc/stat over the run, every process on the")
    print("  machine; core0 busy well above the proxy's core % means something else ran on it.")
    print("CPU1: wrk+backend: the load side's own CPU per request (wrk with the Lua checks, the")
    print("  backend). CPU 1 busy near 100% with the proxy below ~95% core means the load side, not")
    print("  the proxy, set the pace; CPU per request stays comparable, requests/s less so.")
    for r in rows:
        # The proxy is alone on CPU 0 by design: busy time there beyond its own is someone else's.
        # (A few % is normal: interrupt and softirq time is not always charged to the proxy.)
        if r["tool"] == "wrk" and r["core0_busy"] - r["core_pct"] > 15:
            print(f"NOISY [{r['scenario']} / {r['proxy']}]: {r['core0_busy'] - r['core_pct']:.0f}% of "
                  f"CPU 0 went to something other than the proxy (other processes?); try --nice -20")
    for r in rows:
        if r.get("first_bad"):
            print(f"first bad response [{r['scenario']} / {r['proxy']}]: {r['first_bad']}")


def print_table(header, table):
    widths = [max(len(str(x)) for x in column) for column in zip(header, *table)]
    numeric = set(range(2, len(header)))

    def line(cells):
        out = []
        for i, (cell, width) in enumerate(zip(cells, widths)):
            out.append(str(cell).rjust(width) if i in numeric else str(cell).ljust(width))
        return "  ".join(out).rstrip()

    print(line(header))
    print(line(["-" * w for w in widths]))
    previous = None
    for cells in table:
        if previous is not None and cells[0] != previous:
            print()
        print(line(cells))
        previous = cells[0]


def per_connection_kib(r):
    return (r["rss_open_kib"] - r["rss_before_kib"]) / r["opened"] if r["opened"] else float("nan")


def print_idle(idle):
    envoy = {r["scenario"]: r for r in idle if r["proxy"] == "envoy"}
    header = [
        "scenario", "proxy", "opened", "failed", "still open", "RSS before MiB", "RSS open MiB",
        "RSS closed MiB", "KiB/conn", "KiB/conn vs Envoy", "open s",
    ]
    table = []
    for r in idle:
        base = envoy.get(r["scenario"])
        table.append([
            r["scenario"],
            r["proxy"],
            f"{r['opened']:,}",
            f"{r['failed']:,}",
            f"{r['still_open']:,}",
            f"{r['rss_before_kib'] / 1024:.1f}",
            f"{r['rss_open_kib'] / 1024:.1f}",
            f"{r['rss_closed_kib'] / 1024:.1f}",
            f"{per_connection_kib(r):.2f}",
            "1.00x" if r["proxy"] == "envoy" else ratio(per_connection_kib(r), base and per_connection_kib(base)),
            f"{r['open_s']:.1f}",
        ])
    print_table(header, table)
    print()
    print("Idle keep-alive connections, a fresh proxy each: every connection made one REST GET, then all")
    print("  stayed open for the hold; RSS is the proxy's VmRSS (kernel socket buffers not included).")
    print("  KiB/conn = (RSS open - RSS before) / opened. still open: not closed by the proxy during the")
    print("  hold. RSS closed: after the client closed them all (what the allocator keeps).")
    for r in idle:
        if r.get("first_error"):
            print(f"first failure [{r['scenario']} / {r['proxy']}]: {r['first_error']}")


if __name__ == "__main__":
    main()
