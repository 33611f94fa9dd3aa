"""The seed article's OrderService on grpcio (the C core), with every method of Protos/orders/orders.proto.

    .venv/bin/python examples/orders/backend.py [--host 127.0.0.1] [--port 50051]

Orders live in memory (two are seeded: ord-123 and ord-456). The gRPC health service answers
SERVING for "" and for orders.OrderService. ORDERS_UPDATE_INTERVAL_S sets the pause between two
StreamOrderUpdates messages (default 0.5).
"""

import argparse
import itertools
import logging
import os
import signal
import sys
import threading
from concurrent import futures
from datetime import datetime, timezone
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))
from orders import orders_pb2, orders_pb2_grpc  # noqa: E402

SERVICE_NAME = "orders.OrderService"
STATUS_STEPS = ("received", "packed", "shipped", "delivered")
UPDATE_INTERVAL_S = float(os.environ.get("ORDERS_UPDATE_INTERVAL_S", "0.5"))
# The article's price list stand-in: every product costs the same, so totals are easy to check.
UNIT_PRICE = 9.99

log = logging.getLogger("orders-backend")


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class OrderStore:
    """Orders in memory, safe to use from grpcio's worker threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._orders = {}
        self._ids = itertools.count(1000)
        self.put(orders_pb2.Order(id="ord-123", customer_id="cust-456", total=149.99, status="processing"))
        self.put(orders_pb2.Order(id="ord-456", customer_id="cust-789", total=19.98, status="shipped"))

    def put(self, order):
        with self._lock:
            self._orders[order.id] = order

    def get(self, order_id):
        with self._lock:
            order = self._orders.get(order_id)
            if order is None:
                return None
            copy = orders_pb2.Order()  # callers must not change the stored order behind the lock
            copy.CopyFrom(order)
            return copy

    def create(self, customer_id, total):
        with self._lock:
            order = orders_pb2.Order(id=f"ord-{next(self._ids)}", customer_id=customer_id, total=total, status="received")
            self._orders[order.id] = order
            return order

    def set_status(self, order_id, status):
        with self._lock:
            self._orders[order_id].status = status


class OrderService(orders_pb2_grpc.OrderServiceServicer):
    def __init__(self, store):
        self.store = store

    def _existing(self, order_id, context):
        order = self.store.get(order_id)
        if order is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"order {order_id!r} not found")
        return order

    def GetOrder(self, request, context):
        return self._existing(request.order_id, context)

    def CreateOrder(self, request, context):
        if not request.customer_id:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "customer_id is required")
        if not request.items:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "an order needs at least one item")
        for index, item in enumerate(request.items):
            if item.quantity <= 0:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"items[{index}].quantity must be positive")
        total = round(sum(item.quantity for item in request.items) * UNIT_PRICE, 2)
        return self.store.create(request.customer_id, total)

    def StreamOrderUpdates(self, request, context):
        self._existing(request.order_id, context)
        client_gone = threading.Event()
        context.add_callback(client_gone.set)
        for index, status in enumerate(STATUS_STEPS):
            # Wait between updates, but stop at once if the client went away.
            if index > 0 and client_gone.wait(UPDATE_INTERVAL_S):
                return
            self.store.set_status(request.order_id, status)
            yield orders_pb2.OrderStatus(order_id=request.order_id, status=status, timestamp=now())

    def UploadItems(self, request_iterator, context):
        count = quantity = 0
        for item in request_iterator:
            count += 1
            quantity += item.quantity
        return orders_pb2.UploadSummary(item_count=count, total_quantity=quantity)

    def Chat(self, request_iterator, context):
        for message in request_iterator:
            yield orders_pb2.ChatMessage(sender="orders-backend", text=f"echo: {message.text}")

    def CancelOrder(self, request, context):
        order = self._existing(request.order_id, context)
        if order.status == "delivered":
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"order {order.id} is already delivered")
        self.store.set_status(order.id, "cancelled")
        return self.store.get(order.id)


def serve(host, port):
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        # grpcio enables SO_REUSEPORT by default: a second backend on the same port would silently
        # share the traffic instead of failing to start.
        options=[("grpc.so_reuseport", 0)],
    )
    orders_pb2_grpc.add_OrderServiceServicer_to_server(OrderService(OrderStore()), server)
    health_servicer = health.HealthServicer()
    for name in ("", SERVICE_NAME):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    if server.add_insecure_port(f"{host}:{port}") == 0:
        sys.exit(f"orders backend: cannot listen on {host}:{port}")
    server.start()
    log.info("orders backend listening on %s:%d", host, port)
    signal.signal(signal.SIGTERM, lambda *_: server.stop(1))
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)


def main():
    parser = argparse.ArgumentParser(description="The seed article's OrderService on grpcio.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=50051)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
