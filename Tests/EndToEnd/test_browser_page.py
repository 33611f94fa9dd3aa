"""The orders example's browser page (examples/orders/web) in a real headless Chromium: the page's
hand-written gRPC-Web client, served from one origin, calls the gateway on another, so every
call needs the gateway's CORS answers as well as its gRPC-Web ones.

Chromium is driven over the DevTools protocol (a websocket, via aiohttp) rather than with
--dump-dom, which takes its snapshot when virtual time runs out and does not wait for a stream
that is still open. The page is opened with ?autorun=1 (see examples/orders/web/app.js), the
test polls document.body.dataset.done, then reads the DOM and the network events of the run.

Chromium missing is a failure, not a skip: scripts/setup installs it.
"""

import asyncio
import functools
import http.server
import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field

import aiohttp
import pytest

import processes

WEB_ROOT = processes.ROOT / "examples" / "orders" / "web"
ORDERS_DESCRIPTORS = processes.ROOT / "examples" / "orders" / "orders.binpb"
SERVICE_PATH = "/orders.OrderService/"
UPDATE_INTERVAL_S = 0.2
STATUS_STEPS = ["received", "packed", "shipped", "delivered"]
PAGE_TIMEOUT_S = 15.0
DEVTOOLS_CALL_TIMEOUT_S = 10.0

# Read once the page says it is done: what a user would see, with the data-* attributes the
# page sets for this purpose.
SNAPSHOT_JS = """(() => {
  const node = (selector) => document.querySelector(selector);
  const result = (selector) => ({
    ...node(selector).dataset,
    text: node(selector).textContent.replace(/\\s+/g, " ").trim(),
    fields: Object.fromEntries([...node(selector).querySelectorAll("[data-field]")]
      .map((dd) => [dd.dataset.field, dd.textContent])),
  });
  return {
    origin: location.origin,
    autorunError: document.body.dataset.autorunError ?? null,
    lookups: [...document.querySelectorAll("#get-history li")].map((li) => ({
      orderId: li.dataset.orderId, grpcStatus: li.dataset.grpcStatus,
      text: li.textContent.replace(/\\s+/g, " ").trim(),
    })),
    getResult: result("#get-result"),
    created: result("#create-result"),
    stream: result("#stream-status"),
    updates: [...document.querySelectorAll("#stream-log li")].map((li) => ({
      status: li.dataset.status, receivedMs: Number(li.dataset.receivedMs),
      timestamp: li.querySelector("time")?.dateTime ?? null,
    })),
  };
})()"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass  # the DevTools events list every request the page made, with more detail


class StaticFiles:
    """A directory served over HTTP on 127.0.0.1: http.server in a thread, bound to port 0 so no
    other process can take the port between choosing it and binding it."""

    def __init__(self, directory):
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory))
        )
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Request:
    """One HTTP request of the page, from Chromium's Network events (headers lower-cased)."""

    method: str
    url: str
    request_headers: dict = field(default_factory=dict)
    status: int = None
    response_headers: dict = field(default_factory=dict)
    failure: str = None

    @property
    def path(self):
        return urllib.parse.urlsplit(self.url).path


@dataclass
class PageRun:
    dom: dict
    requests: list
    console: list  # console messages, uncaught exceptions, and Chromium's own log (CORS errors)

    def calls(self, method=None):
        """The page's requests to the gateway's gRPC methods."""
        return [r for r in self.requests if SERVICE_PATH in r.url and (method is None or r.method == method)]

    def explain(self):
        """Everything useful when an assertion fails."""
        lines = ["console:", *([f"  {c}" for c in self.console] or ["  (empty)"]), "requests:"]
        lines += [f"  {r.method} {r.url} → {r.status or r.failure}" for r in self.requests]
        lines += ["dom:", json.dumps(self.dom, indent=1)]
        return "\n".join(lines)


class DevTools:
    """The smallest Chrome DevTools protocol client that works: numbered calls, events kept."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.events = []
        self._ids = itertools.count(1)
        self._waiting = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self):
        async for message in self.websocket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            else:
                self.events.append(data)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ConnectionError("the DevTools websocket closed"))

    async def call(self, method, **params):
        call_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[call_id] = future
        await self.websocket.send_json({"id": call_id, "method": method, "params": params})
        reply = await asyncio.wait_for(future, DEVTOOLS_CALL_TIMEOUT_S)
        if "error" in reply:
            raise RuntimeError(f"DevTools {method}: {reply['error']}")
        return reply["result"]

    async def evaluate(self, expression):
        reply = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"page script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def close(self):
        self._reader.cancel()

    def requests(self):
        by_id = {}
        for event in self.events:
            method, params = event["method"], event["params"]
            if not method.startswith("Network.") or "requestId" not in params:
                continue
            # Events of one request may come in any order (an *ExtraInfo before the event it
            # completes), so a request is made by whichever comes first.
            request = by_id.setdefault(params["requestId"], Request(None, None))
            if method == "Network.requestWillBeSent":
                request.method, request.url = params["request"]["method"], params["request"]["url"]
            # The *ExtraInfo events carry the headers as sent and received on the wire (Origin,
            # Access-Control-*), which the plain events may leave out.
            elif method == "Network.requestWillBeSentExtraInfo":
                request.request_headers.update({k.lower(): v for k, v in params["headers"].items()})
            elif method == "Network.responseReceived":
                request.status = params["response"]["status"]
                request.response_headers.update({k.lower(): v for k, v in params["response"]["headers"].items()})
            elif method == "Network.responseReceivedExtraInfo":
                request.response_headers.update({k.lower(): v for k, v in params["headers"].items()})
            elif method == "Network.loadingFailed":
                request.failure = params.get("errorText") or "failed"
                if params.get("corsErrorStatus"):
                    request.failure += f" {params['corsErrorStatus']}"
        return [r for r in by_id.values() if r.url is not None]

    def console(self):
        lines = []
        for event in self.events:
            method, params = event["method"], event["params"]
            if method == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
                lines.append(f"console.{params['type']}: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                lines.append(f"exception: {details.get('exception', {}).get('description', details['text'])}")
            elif method == "Log.entryAdded":
                entry = params["entry"]
                lines.append(f"{entry['source']} {entry['level']}: {entry['text']}")
        return lines


async def _run_page(browser, url):
    async with aiohttp.ClientSession() as session:
        # A tab of its own, so each page run starts from nothing and its events are its own.
        async with session.put(f"{browser.url}/json/new?about:blank") as response:
            target = await response.json()
        try:
            async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as websocket:
                devtools = DevTools(websocket)
                try:
                    for domain in ("Runtime", "Log", "Network", "Page"):
                        await devtools.call(f"{domain}.enable")
                    navigation = await devtools.call("Page.navigate", url=url)
                    if navigation.get("errorText"):
                        raise AssertionError(f"Chromium could not open {url}: {navigation['errorText']}")
                    deadline = asyncio.get_running_loop().time() + PAGE_TIMEOUT_S
                    while await devtools.evaluate("document.body?.dataset.done ?? null") != "1":
                        if asyncio.get_running_loop().time() > deadline:
                            dom = await devtools.evaluate("document.body?.outerHTML ?? null")
                            run = PageRun({"body": dom}, devtools.requests(), devtools.console())
                            raise AssertionError(f"the page did not finish in {PAGE_TIMEOUT_S}s\n{run.explain()}")
                        await asyncio.sleep(0.05)
                    dom = await devtools.evaluate(SNAPSHOT_JS)
                    return PageRun(dom, devtools.requests(), devtools.console())
                finally:
                    devtools.close()
        finally:
            async with session.get(f"{browser.url}/json/close/{target['id']}"):
                pass


def run_page(browser, page_url, gateway):
    """Opens the page with ?autorun=1 against `gateway` and returns what it showed once done."""
    query = urllib.parse.urlencode({"gateway": gateway.url, "autorun": "1"})
    return asyncio.run(_run_page(browser, f"{page_url}/index.html?{query}"))


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium_bin():
    binary = processes.chromium_binary()
    if binary is None or not binary.is_file():
        pytest.fail(
            "chromium not found: run scripts/setup (it installs the Debian package) or point "
            "CHROMIUM_BIN at a Chromium",
            pytrace=False,
        )
    return binary


@pytest.fixture(scope="module")
def browser(chromium_bin, tmp_path_factory):
    directory = tmp_path_factory.mktemp("chromium")
    chromium = processes.ChromiumProcess(chromium_bin, directory / "profile", directory / "chromium.log")
    yield chromium
    chromium.stop()


@pytest.fixture(scope="module")
def orders_backend(tmp_path_factory):
    backend = processes.OrdersBackendProcess(
        tmp_path_factory.mktemp("orders") / "backend.log", update_interval_s=UPDATE_INTERVAL_S
    )
    yield backend
    backend.stop()


@pytest.fixture(scope="module")
def web():
    files = StaticFiles(WEB_ROOT)
    yield files
    files.stop()


@pytest.fixture(scope="module")
def allowed_page(web):
    """The page's URL, on the one origin the gateway allows."""
    return f"http://127.0.0.1:{web.port}"


@pytest.fixture(scope="module")
def orders_gateway(start_gateway, orders_backend, allowed_page):
    """Configured like the example's gateway.yaml, with the test's web server as the origin."""
    return start_gateway(
        orders_backend.address,
        descriptors=[ORDERS_DESCRIPTORS],
        services=["orders.OrderService"],
        allowed_origins=[allowed_page],
    )


@pytest.fixture(scope="module")
def autorun(browser, allowed_page, orders_gateway):
    """One run of the page's script, which the tests below read from different angles."""
    run = run_page(browser, allowed_page, orders_gateway)
    assert run.dom["autorunError"] is None, run.explain()
    return run


# --- tests -----------------------------------------------------------------------------------


def test_get_order_shows_the_order(autorun):
    found = autorun.dom["lookups"][0]
    assert (found["orderId"], found["grpcStatus"]) == ("ord-123", "OK"), autorun.explain()
    assert "cust-456" in found["text"] and "149.99" in found["text"] and "processing" in found["text"]


def test_missing_order_shows_not_found_and_its_message(autorun):
    missing = autorun.dom["lookups"][1]
    assert (missing["orderId"], missing["grpcStatus"]) == ("ord-missing", "NOT_FOUND"), autorun.explain()
    assert "order 'ord-missing' not found" in missing["text"]
    # The last lookup stays on show: the status name and the backend's message, percent-decoded.
    shown = autorun.dom["getResult"]
    assert shown["state"] == "error" and shown["grpcStatus"] == "NOT_FOUND"
    assert shown["text"] == "NOT_FOUND order 'ord-missing' not found"


def test_create_order_shows_the_new_order(autorun):
    created = autorun.dom["created"]
    assert created["grpcStatus"] == "OK", autorun.explain()
    assert created["fields"]["id"].startswith("ord-")
    # 2 × 9.99: the double went through the page's fixed64 decoding intact.
    assert created["fields"] | {"id": None} == {
        "id": None, "customer_id": "cust-web", "total": "19.98", "status": "received"
    }


def test_stream_lists_every_update_in_order(autorun):
    assert autorun.dom["stream"]["grpcStatus"] == "OK", autorun.explain()
    assert autorun.dom["stream"]["text"] == f"OK 4 updates for {autorun.dom['created']['fields']['id']}"
    updates = autorun.dom["updates"]
    assert [u["status"] for u in updates] == STATUS_STEPS, autorun.explain()
    timestamps = [u["timestamp"] for u in updates]
    assert all(t.endswith("Z") for t in timestamps) and timestamps == sorted(timestamps)


def test_stream_updates_appear_as_they_arrive(autorun):
    """The backend sends an update every UPDATE_INTERVAL_S. Had the gateway held the stream back,
    or the page decoded only at the end, they would all land within a few milliseconds."""
    arrivals = [u["receivedMs"] for u in autorun.dom["updates"]]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    interval_ms = UPDATE_INTERVAL_S * 1000
    assert min(gaps) >= interval_ms / 4, f"updates arrived at {arrivals} ms"
    assert arrivals[-1] - arrivals[0] >= 2 * interval_ms, f"updates arrived at {arrivals} ms"


def test_calls_are_cross_origin_and_preflighted(autorun, allowed_page, orders_gateway):
    assert allowed_page != orders_gateway.url  # same host, another port: another origin
    posts = autorun.calls("POST")
    assert [p.path for p in posts] == [
        f"{SERVICE_PATH}GetOrder", f"{SERVICE_PATH}GetOrder",
        f"{SERVICE_PATH}CreateOrder", f"{SERVICE_PATH}StreamOrderUpdates",
    ], autorun.explain()
    for post in posts:
        assert post.failure is None and post.status == 200, autorun.explain()
        assert post.request_headers["origin"] == allowed_page
        assert post.request_headers["content-type"] == "application/grpc-web-text"
        assert post.request_headers["accept"] == "application/grpc-web-text"
        assert post.response_headers["access-control-allow-origin"] == allowed_page
        assert post.response_headers["content-type"].startswith("application/grpc-web-text")
    # Every method was preflighted once: the second GetOrder used Chromium's preflight cache,
    # which the gateway's Access-Control-Max-Age allows.
    preflights = autorun.calls("OPTIONS")
    assert sorted(p.path for p in preflights) == sorted({p.path for p in posts}), autorun.explain()
    for preflight in preflights:
        assert preflight.status in (200, 204), autorun.explain()
        assert preflight.response_headers["access-control-allow-origin"] == allowed_page
    assert not [c for c in autorun.console if "error" in c.lower()], autorun.explain()


def test_page_from_an_origin_not_allowed_gets_no_answers(browser, web, orders_gateway):
    """The control for the test above: the same page from an origin the gateway does not list
    (localhost instead of 127.0.0.1) is refused at the preflight, and the page says so."""
    run = run_page(browser, f"http://localhost:{web.port}", orders_gateway)
    assert run.dom["origin"] == f"http://localhost:{web.port}"
    assert [(lookup["orderId"], lookup["grpcStatus"]) for lookup in run.dom["lookups"]] == [
        ("ord-123", "UNAVAILABLE"), ("ord-missing", "UNAVAILABLE")
    ], run.explain()
    assert "CORS" in run.dom["getResult"]["text"]
    assert run.dom["created"]["grpcStatus"] == "UNAVAILABLE"
    assert all(post.status is None for post in run.calls("POST")), run.explain()  # never sent
    refused = run.calls("OPTIONS")
    assert refused and all(p.status == 403 for p in refused), run.explain()
    assert any("blocked by CORS policy" in line for line in run.console), run.explain()
