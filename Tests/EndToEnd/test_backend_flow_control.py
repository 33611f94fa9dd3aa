"""Back-pressure from a slow client: a 100 MB server stream read at 2 MB/s must not pile up in the
gateway (response data is acknowledged to the backend only as the client drains it), and the whole
stream must still arrive, intact and in order, once the client reads fast.

The gateway's memory is its resident set size (VmRSS in /proc/<pid>/status), sampled while the
client is slow. The release build is measured if there is one, else the build under test.
"""

import re
import socket
import threading
import time
from pathlib import Path

import pytest

import clients
import grpcweb
import processes
from testing.v1 import testing_pb2 as pb

MESSAGE_SIZE = 64 * 1024
MESSAGE_COUNT = 1600  # 1600 × 64 KiB ≈ 105 MB
SLOW_RATE = 2 * 1024 * 1024  # bytes per second while the client is slow
SLOW_FOR_S = 3.0
MAX_GROWTH = 64 * 1024 * 1024


def gateway_binary_for_rss():
    release = processes.ROOT / ".build" / "release" / "gateway"
    if release.is_file():
        return release
    return processes.gateway_binary()


def rss_bytes(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE).group(1)) * 1024


class RSSSampler:
    """Samples a process's VmRSS every 10 ms in a thread; `peak(since)` is the peak of a phase."""

    def __init__(self, pid):
        self.pid = pid
        self.samples = []  # (time, bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), rss_bytes(self.pid)))
            time.sleep(0.01)

    def stop(self):
        self._stop.set()
        self._thread.join(5)

    def peak(self, start, end):
        return max(value for at, value in self.samples if start <= at <= end)


class ChunkedBody:
    """Incremental HTTP/1.1 chunked-body decoder: feed raw bytes, get body bytes back."""

    def __init__(self):
        self.buffer = bytearray()
        self.remaining = None  # bytes left in the current chunk; None: a size line comes next
        self.done = False

    def feed(self, data):
        self.buffer += data
        out = bytearray()
        while not self.done:
            if self.remaining is None:
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    break
                self.remaining = int(bytes(self.buffer[:end]).split(b";")[0], 16)
                del self.buffer[: end + 2]
                if self.remaining == 0:
                    self.done = True  # (no trailer fields are expected after the last chunk)
                    break
            take = min(self.remaining, len(self.buffer))
            out += self.buffer[:take]
            del self.buffer[:take]
            self.remaining -= take
            if self.remaining:
                break
            if len(self.buffer) < 2:
                self.remaining = 0  # wait for the CRLF after the chunk
                if take == 0:
                    break
                continue
            assert self.buffer[:2] == b"\r\n", "chunk not followed by CRLF"
            del self.buffer[:2]
            self.remaining = None
        return bytes(out)


def read_head(sock, buffer):
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        assert data, "the gateway closed the connection before the response head"
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return lines[0], headers, rest


def test_slow_reader_on_a_100_mb_stream(start_backend, start_test_gateway):
    backend = start_backend("big")
    gateway = start_test_gateway(backend.address, binary=gateway_binary_for_rss(), workers=1)
    # Warm up (first-use allocations are not growth): a 4 MiB stream through the same path.
    warm = clients.post(
        gateway.port, "ServerStream", pb.StreamRequest(count=64, message_size=MESSAGE_SIZE), timeout=30
    )
    assert warm.reply.status == 0 and len(warm.reply.messages) == 64
    time.sleep(0.2)
    baseline = rss_bytes(gateway.process.pid)
    sampler = RSSSampler(gateway.process.pid)

    request = grpcweb.encode_message(pb.StreamRequest(count=MESSAGE_COUNT, message_size=MESSAGE_SIZE))
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=30)
    try:
        head = (
            f"POST {clients.method_path('ServerStream')} HTTP/1.1\r\nHost: 127.0.0.1:{gateway.port}\r\n"
            f"Content-Length: {len(request)}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in clients.web_headers())
            + "\r\n"
        )
        sock.sendall(head.encode("latin-1") + request)
        status_line, headers, rest = read_head(sock, bytearray())
        assert status_line.startswith("HTTP/1.1 200"), status_line
        assert "chunked" in headers.get("transfer-encoding", ""), headers
        body = ChunkedBody()
        frames = grpcweb.FrameReader()
        received = []  # frames
        received += frames.feed(body.feed(rest))
        wire_bytes = len(rest)

        # Slow: 2 MB/s, in 64 KiB reads.
        slow_started = time.monotonic()
        while time.monotonic() - slow_started < SLOW_FOR_S:
            data = sock.recv(64 * 1024)
            assert data, "the gateway closed the connection mid-stream"
            wire_bytes += len(data)
            received += frames.feed(body.feed(data))
            # Sleep so that the average rate stays at SLOW_RATE.
            ahead = wire_bytes / SLOW_RATE - (time.monotonic() - slow_started)
            if ahead > 0:
                time.sleep(ahead)
        slow_ended = time.monotonic()
        slow_bytes = wire_bytes

        # Fast: drain everything.
        while not body.done:
            data = sock.recv(1024 * 1024)
            assert data, f"the gateway closed the connection after {wire_bytes} bytes"
            wire_bytes += len(data)
            received += frames.feed(body.feed(data))
        drained = time.monotonic()
    finally:
        sock.close()
        sampler.stop()

    slow_peak = sampler.peak(slow_started, slow_ended) - baseline
    overall_peak = sampler.peak(slow_started, drained) - baseline
    print(
        f"\nslow reader: baseline RSS {baseline / 2**20:.1f} MiB ({gateway.binary.parent.name} build); "
        f"peak growth {slow_peak / 2**20:.1f} MiB while reading {slow_bytes / 2**20:.1f} MiB at 2 MB/s for "
        f"{SLOW_FOR_S:.0f} s, {overall_peak / 2**20:.1f} MiB overall; "
        f"then {(wire_bytes - slow_bytes) / 2**20:.0f} MiB drained in {drained - slow_ended:.1f} s"
    )
    assert received and received[-1].is_trailers, "the stream did not end with a trailer frame"
    trailers = grpcweb.parse_trailer_block(received[-1].payload)
    assert trailers.get("grpc-status") == "0", trailers
    messages = [pb.EchoResponse.FromString(f.payload) for f in received[:-1]]
    assert len(messages) == MESSAGE_COUNT
    assert [m.sequence for m in messages] == list(range(MESSAGE_COUNT)), "messages lost or reordered"
    assert all(m.blob == b"s" * MESSAGE_SIZE for m in messages), "a message arrived damaged"
    assert slow_peak < MAX_GROWTH, f"RSS grew {slow_peak / 2**20:.1f} MiB while the client was slow"
    assert overall_peak < MAX_GROWTH, f"RSS grew {overall_peak / 2**20:.1f} MiB during the stream"
