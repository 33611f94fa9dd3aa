"""The orders example's backend (examples/orders/backend.py), called directly with grpcio, so a
broken example fails CI even before the gateway is involved. Needs no gateway binary."""

import subprocess
import sys
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import processes

sys.path.insert(0, str(processes.ROOT / "examples" / "orders" / "generated"))
from orders import orders_pb2, orders_pb2_grpc  # noqa: E402

BACKEND = processes.ROOT / "examples" / "orders" / "backend.py"


@pytest.fixture(scope="module")
def orders_channel(tmp_path_factory):
    port = processes.free_port()
    log = open(tmp_path_factory.mktemp("orders") / "backend.log", "wb")
    process = subprocess.Popen(
        [sys.executable, str(BACKEND), "--port", str(port)],
        env={"ORDERS_UPDATE_INTERVAL_S": "0.05", "PATH": "/usr/bin:/bin"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=processes.READY_TIMEOUT_S)
            yield channel
    finally:
        process.terminate()
        process.wait(5)
        log.close()


@pytest.fixture
def orders(orders_channel):
    return orders_pb2_grpc.OrderServiceStub(orders_channel)


def test_get_seeded_order(orders):
    order = orders.GetOrder(orders_pb2.GetOrderRequest(order_id="ord-123"))
    assert (order.id, order.customer_id, order.total) == ("ord-123", "cust-456", 149.99)


def test_get_unknown_order_is_not_found(orders):
    with pytest.raises(grpc.RpcError) as failure:
        orders.GetOrder(orders_pb2.GetOrderRequest(order_id="ord-nope"))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND
    assert "ord-nope" in failure.value.details()


def test_create_then_get(orders):
    created = orders.CreateOrder(
        orders_pb2.CreateOrderRequest(customer_id="c1", items=[orders_pb2.OrderItem(product_id="p", quantity=3)])
    )
    assert created.id.startswith("ord-") and created.status == "received"
    assert orders.GetOrder(orders_pb2.GetOrderRequest(order_id=created.id)) == created


def test_create_rejects_bad_quantity(orders):
    with pytest.raises(grpc.RpcError) as failure:
        orders.CreateOrder(
            orders_pb2.CreateOrderRequest(customer_id="c1", items=[orders_pb2.OrderItem(product_id="p", quantity=0)])
        )
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "items[0].quantity" in failure.value.details()


def test_stream_order_updates_in_order_and_paced(orders):
    started = time.monotonic()
    updates = list(orders.StreamOrderUpdates(orders_pb2.OrderStatusRequest(order_id="ord-456")))
    assert [u.status for u in updates] == ["received", "packed", "shipped", "delivered"]
    assert all(u.order_id == "ord-456" and u.timestamp.endswith("Z") for u in updates)
    assert time.monotonic() - started >= 3 * 0.05


def test_stream_updates_for_unknown_order(orders):
    with pytest.raises(grpc.RpcError) as failure:
        list(orders.StreamOrderUpdates(orders_pb2.OrderStatusRequest(order_id="ord-nope")))
    assert failure.value.code() == grpc.StatusCode.NOT_FOUND


def test_upload_items_sums_quantities(orders):
    items = [orders_pb2.OrderItem(product_id=f"p{i}", quantity=i) for i in (1, 2, 3)]
    assert orders.UploadItems(iter(items)) == orders_pb2.UploadSummary(item_count=3, total_quantity=6)


def test_chat_echoes(orders):
    replies = list(orders.Chat(iter([orders_pb2.ChatMessage(sender="me", text=t) for t in ("hi", "bye")])))
    assert [r.text for r in replies] == ["echo: hi", "echo: bye"]


def test_cancel_order(orders):
    created = orders.CreateOrder(
        orders_pb2.CreateOrderRequest(customer_id="c2", items=[orders_pb2.OrderItem(product_id="p", quantity=1)])
    )
    assert orders.CancelOrder(orders_pb2.CancelOrderRequest(order_id=created.id)).status == "cancelled"


def test_health_serving(orders_channel):
    health = health_pb2_grpc.HealthStub(orders_channel)
    for service in ("", "orders.OrderService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
