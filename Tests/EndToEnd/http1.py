"""A deliberately small HTTP/1.1 client on a raw socket.

The tests need what ordinary clients hide: when each chunk arrived, the exact chunk boundaries
(text mode pads every flush), closing the socket mid-response, and bytes that are not valid
gRPC-Web. Every socket operation has a timeout so a misbehaving gateway fails a test instead of
hanging the suite.
"""

import socket
import struct
import time
from dataclasses import dataclass, field

DEFAULT_TIMEOUT_S = 10.0


class HTTPError(Exception):
    """The server's bytes are not a well-formed HTTP/1.1 response, or it closed too early."""


@dataclass
class Piece:
    """One unit of body as it arrived: a chunk (chunked encoding) or one recv() otherwise."""

    arrived: float  # time.monotonic()
    data: bytes


@dataclass
class Response:
    status: int
    reason: str
    header_list: list  # [(lower-case name, value)] in wire order
    pieces: list = field(default_factory=list)
    chunked: bool = False
    sent_at: float = 0.0  # time.monotonic() when the request was written
    head_at: float = 0.0  # time.monotonic() when the status line and headers were read

    def header(self, name, default=None):
        """The value of `name`; repeated headers are joined with ', '."""
        values = [v for k, v in self.header_list if k == name.lower()]
        return ", ".join(values) if values else default

    @property
    def headers(self):
        return {k: self.header(k) for k, _ in self.header_list}

    @property
    def body(self):
        return b"".join(p.data for p in self.pieces)


class Connection:
    """One TCP connection to the gateway. Use as a context manager."""

    def __init__(self, host, port, timeout=DEFAULT_TIMEOUT_S):
        self.host = host
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._buffer = bytearray()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def abort(self):
        """Closes with RST instead of FIN, like a browser tab being killed."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def send_request(self, method, path, headers=(), body=b""):
        """Writes one request. Adds Host and (for a body or POST) Content-Length unless given."""
        names = {k.lower() for k, _ in headers}
        lines = [f"{method} {path} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {self.host}:{self.port}")
        if "content-length" not in names and "transfer-encoding" not in names and (body or method == "POST"):
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in headers]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return time.monotonic()

    def read_head(self):
        """Reads the status line and headers; returns a Response with no body yet."""
        while b"\r\n\r\n" not in self._buffer:
            self._fill()
        head, _, rest = bytes(self._buffer).partition(b"\r\n\r\n")
        self._buffer = bytearray(rest)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise HTTPError(f"bad status line {status_line!r}")
        header_list = []
        for line in header_lines:
            name, sep, value = line.partition(":")
            if not sep:
                raise HTTPError(f"bad header line {line!r}")
            header_list.append((name.strip().lower(), value.strip()))
        response = Response(int(parts[1]), parts[2] if len(parts) > 2 else "", header_list)
        response.head_at = time.monotonic()
        response.chunked = "chunked" in (response.header("transfer-encoding") or "").lower()
        return response

    def iter_body(self, response, method="POST"):
        """Yields the body as Pieces, as they arrive. Ends at the end of the body."""
        if method == "HEAD" or response.status in (204, 304) or 100 <= response.status < 200:
            return
        if response.chunked:
            yield from self._iter_chunks()
        elif response.header("content-length") is not None:
            remaining = int(response.header("content-length"))
            while remaining > 0:
                if not self._buffer:
                    self._fill()
                data = bytes(self._buffer[:remaining])
                del self._buffer[: len(data)]
                remaining -= len(data)
                yield Piece(time.monotonic(), data)
        else:  # body ends when the server closes
            while True:
                if self._buffer:
                    data, self._buffer = bytes(self._buffer), bytearray()
                    yield Piece(time.monotonic(), data)
                if not self._fill(eof_ok=True):
                    return

    def read_response(self, method="POST"):
        response = self.read_head()
        response.pieces = list(self.iter_body(response, method))
        return response

    def _iter_chunks(self):
        while True:
            size_line = self._read_line()
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # Trailer fields (if any) end with an empty line.
                while self._read_line():
                    pass
                return
            while len(self._buffer) < size + 2:
                self._fill()
            data = bytes(self._buffer[:size])
            if self._buffer[size : size + 2] != b"\r\n":
                raise HTTPError("chunk not followed by CRLF")
            del self._buffer[: size + 2]
            yield Piece(time.monotonic(), data)

    def _read_line(self):
        while b"\r\n" not in self._buffer:
            self._fill()
        line, _, rest = bytes(self._buffer).partition(b"\r\n")
        self._buffer = bytearray(rest)
        return line

    def _fill(self, eof_ok=False):
        data = self.sock.recv(65536)
        if not data:
            if eof_ok:
                return False
            raise HTTPError("connection closed before the response was complete")
        self._buffer += data
        return True


def request(port, method, path, headers=(), body=b"", host="127.0.0.1", timeout=DEFAULT_TIMEOUT_S):
    """One request on a new connection; returns the whole Response."""
    with Connection(host, port, timeout) as connection:
        sent_at = connection.send_request(method, path, headers, body)
        response = connection.read_response(method)
        response.sent_at = sent_at
        return response
