"""A gRPC-Web client for the orders example, using sonora (the Python gRPC-Web client).

    .venv/bin/python examples/orders/client.py [--url http://127.0.0.1:8080] [--order ord-123]

It calls GetOrder, CreateOrder and StreamOrderUpdates through the gateway, which turns each
gRPC-Web request into a gRPC call to examples/orders/backend.py.

sonora 0.2.3 cannot use the generated OrderServiceStub: current stubs pass `_registered_method`
to the channel, which sonora's channel does not accept. So the calls are made on the channel
directly, with the method path and the message (de)serializers, which is all a stub does anyway.
"""

import argparse
import sys
from pathlib import Path

import grpc
import sonora.client

sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))
from orders import orders_pb2  # noqa: E402

SERVICE = "/orders.OrderService/"


def main():
    parser = argparse.ArgumentParser(description="Call the orders example through the gateway over gRPC-Web.")
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the gateway")
    parser.add_argument("--order", default="ord-123", help="the order to read and follow")
    args = parser.parse_args()

    channel = sonora.client.insecure_web_channel(args.url)
    get_order = channel.unary_unary(
        SERVICE + "GetOrder",
        request_serializer=orders_pb2.GetOrderRequest.SerializeToString,
        response_deserializer=orders_pb2.Order.FromString,
    )
    create_order = channel.unary_unary(
        SERVICE + "CreateOrder",
        request_serializer=orders_pb2.CreateOrderRequest.SerializeToString,
        response_deserializer=orders_pb2.Order.FromString,
    )
    stream_updates = channel.unary_stream(
        SERVICE + "StreamOrderUpdates",
        request_serializer=orders_pb2.OrderStatusRequest.SerializeToString,
        response_deserializer=orders_pb2.OrderStatus.FromString,
    )

    try:
        order = get_order(orders_pb2.GetOrderRequest(order_id=args.order))
        print(f"GetOrder {args.order}: status={order.status} total={order.total:.2f} customer={order.customer_id}")

        created = create_order(
            orders_pb2.CreateOrderRequest(
                customer_id="cust-42",
                items=[orders_pb2.OrderItem(product_id="kbd-1", quantity=2)],
            )
        )
        print(f"CreateOrder: id={created.id} status={created.status} total={created.total:.2f}")

        for update in stream_updates(orders_pb2.OrderStatusRequest(order_id=created.id)):
            print(f"StreamOrderUpdates {update.order_id}: {update.status} at {update.timestamp}")

        get_order(orders_pb2.GetOrderRequest(order_id="ord-missing"))
    except grpc.RpcError as error:
        print(f"error: {error.code().name}: {error.details()}")


if __name__ == "__main__":
    main()
