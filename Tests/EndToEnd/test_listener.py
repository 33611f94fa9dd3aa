"""The front end's listening socket belongs to the gateway alone.

With `reuse_port: false` (the default) the workers share one socket without SO_REUSEPORT, so a
later process of the same user that sets SO_REUSEPORT (Envoy does by default) cannot join the port
and silently take a share of the connections — which a browser test once saw happen.
"""

import errno
import socket

import pytest

import clients
from testing.v1 import testing_pb2 as pb


def test_another_process_cannot_join_the_port(gateway):
    intruder = socket.socket()
    intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    with pytest.raises(OSError) as refused:
        intruder.bind(("127.0.0.1", gateway.port))
        intruder.listen()
    intruder.close()
    assert refused.value.errno == errno.EADDRINUSE


def test_every_worker_serves_on_the_shared_socket(gateway):
    # Several fresh connections in a row: with two workers accepting on one socket, every one
    # must be answered (a worker that could not accept would leave connections hanging).
    for index in range(8):
        call = clients.post(gateway.port, "Unary", pb.EchoRequest(payload=f"connection {index}"))
        assert call.reply.status == 0
