// The orders page: OrderService over gRPC-Web, through the gateway named by ?gateway=.
// ?autorun=1 runs a fixed script (used by Tests/EndToEnd/test_browser_page.py) and then sets
// document.body.dataset.done = "1".

import { Client, Code, GrpcError } from "./grpc-web.js";

// The messages of Protos/orders/orders.proto this page uses: field number → [name, type].
const OrderItem = { 1: ["productId", "string"], 2: ["quantity", "int32"] };
const GetOrderRequest = { 1: ["orderId", "string"] };
const CreateOrderRequest = { 1: ["customerId", "string"], 2: ["items", ["repeated", OrderItem]] };
const OrderStatusRequest = { 1: ["orderId", "string"] };
const Order = { 1: ["id", "string"], 2: ["customerId", "string"], 3: ["total", "double"], 4: ["status", "string"] };
const OrderStatus = { 1: ["orderId", "string"], 2: ["status", "string"], 3: ["timestamp", "string"] };

const SERVICE = "/orders.OrderService";
// Unary calls get a deadline so that a stuck backend shows up as DEADLINE_EXCEEDED on the page
// instead of a spinner; the stream has none, it ends when the order is delivered.
const UNARY_DEADLINE_MS = 5000;

const params = new URLSearchParams(location.search);
const gatewayUrl = params.get("gateway") || "http://localhost:8080";
const client = new Client(gatewayUrl);

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

function describeError(error) {
  // Anything that is not a GrpcError is a bug in this page; show it rather than hide it.
  return error instanceof GrpcError ? error : new GrpcError(Code.UNKNOWN, String(error?.stack ?? error));
}

function orderCard(order) {
  const row = (label, field, value) => [el("dt", {}, label), el("dd", { "data-field": field }, value)];
  return el("dl", { className: "order" },
    ...row("Order", "id", order.id),
    ...row("Customer", "customer_id", order.customerId),
    ...row("Total", "total", order.total.toFixed(2)),
    ...row("Status", "status", order.status));
}

function errorLine(error) {
  return el("p", { className: "error" }, el("strong", { className: "code" }, error.codeName), " ", error.message);
}

function show(target, state, ...content) {
  target.dataset.state = state;
  target.replaceChildren(...content);
}

// --- GetOrder --------------------------------------------------------------------------------

async function getOrder(orderId) {
  const result = $("#get-result");
  show(result, "pending", el("p", { className: "muted" }, `Looking up ${orderId}…`));
  let entry;
  try {
    const order = await client.unary(`${SERVICE}/GetOrder`, GetOrderRequest, Order, { orderId }, { deadlineMs: UNARY_DEADLINE_MS });
    show(result, "ok", orderCard(order));
    result.dataset.grpcStatus = "OK";
    entry = el("li", { "data-order-id": orderId, "data-grpc-status": "OK" },
      el("code", {}, orderId), " → ", `${order.customerId}, ${order.total.toFixed(2)}, ${order.status}`);
  } catch (caught) {
    const error = describeError(caught);
    show(result, "error", errorLine(error));
    result.dataset.grpcStatus = error.codeName;
    entry = el("li", { "data-order-id": orderId, "data-grpc-status": error.codeName },
      el("code", {}, orderId), " → ", el("strong", { className: "code" }, error.codeName), ` ${error.message}`);
  }
  $("#get-history").append(entry);
}

// --- CreateOrder -----------------------------------------------------------------------------

async function createOrder(customerId, productId, quantity) {
  const result = $("#create-result");
  show(result, "pending", el("p", { className: "muted" }, "Creating…"));
  try {
    const order = await client.unary(`${SERVICE}/CreateOrder`, CreateOrderRequest, Order,
      { customerId, items: [{ productId, quantity }] }, { deadlineMs: UNARY_DEADLINE_MS });
    show(result, "ok", orderCard(order));
    result.dataset.grpcStatus = "OK";
    // The natural next step is to watch the new order move.
    $("#stream-id").value = order.id;
    return order;
  } catch (caught) {
    const error = describeError(caught);
    show(result, "error", errorLine(error));
    result.dataset.grpcStatus = error.codeName;
    return null;
  }
}

// --- StreamOrderUpdates ----------------------------------------------------------------------

let following = null; // the AbortController of the stream in progress, so Stop can cancel it

async function followOrder(orderId) {
  following?.abort();
  const controller = new AbortController();
  following = controller;
  const status = $("#stream-status");
  const log = $("#stream-log");
  log.replaceChildren();
  show(status, "streaming", `Following ${orderId}…`);
  delete status.dataset.grpcStatus;
  $("#stream-stop").disabled = false;

  const started = performance.now();
  try {
    await client.serverStream(`${SERVICE}/StreamOrderUpdates`, OrderStatusRequest, OrderStatus, { orderId }, {
      signal: controller.signal,
      onMessage: (update) => {
        if (controller.signal.aborted) return;
        // Arrival time in the browser, next to the server's timestamp: it shows that each update
        // is shown when it arrives, not when the call ends.
        const elapsedMs = Math.round(performance.now() - started);
        log.append(el("li", { "data-status": update.status, "data-received-ms": String(elapsedMs) },
          el("span", { className: "status" }, update.status),
          el("time", { dateTime: update.timestamp }, update.timestamp),
          el("span", { className: "muted" }, `+${(elapsedMs / 1000).toFixed(2)} s`)));
      },
    });
    if (following !== controller) return; // a newer Follow owns the log and the status now
    show(status, "ok", el("strong", { className: "code ok" }, "OK"), ` ${log.children.length} updates for ${orderId}`);
    status.dataset.grpcStatus = "OK";
  } catch (caught) {
    if (following !== controller) return;
    const error = describeError(caught);
    show(status, "error", errorLine(error));
    status.dataset.grpcStatus = error.codeName;
  } finally {
    if (following === controller) {
      following = null;
      $("#stream-stop").disabled = true;
    }
  }
}

// --- wiring ----------------------------------------------------------------------------------

$("#gateway-url").textContent = gatewayUrl;
$("#page-origin").textContent = location.origin;

$("#get-form").addEventListener("submit", (event) => {
  event.preventDefault();
  getOrder($("#get-id").value.trim());
});
$("#create-form").addEventListener("submit", (event) => {
  event.preventDefault();
  createOrder($("#create-customer").value.trim(), $("#create-product").value.trim(), Number($("#create-quantity").value));
});
$("#stream-form").addEventListener("submit", (event) => {
  event.preventDefault();
  followOrder($("#stream-id").value.trim());
});
$("#stream-stop").addEventListener("click", () => following?.abort());

async function autorun() {
  try {
    $("#get-id").value = "ord-123";
    await getOrder("ord-123");
    $("#get-id").value = "ord-missing";
    await getOrder("ord-missing");
    // Follow a fresh order rather than ord-123: the stream moves the order it follows to
    // "delivered", and ord-123 should still read "processing" the next time.
    const created = await createOrder("cust-web", "sku-42", 2);
    if (created) await followOrder(created.id);
  } catch (error) {
    document.body.dataset.autorunError = String(error?.stack ?? error);
  } finally {
    document.body.dataset.done = "1";
  }
}

if (params.get("autorun") === "1") autorun();
