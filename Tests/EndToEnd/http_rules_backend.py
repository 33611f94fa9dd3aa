"""The grpcio implementation of testing.v1.HTTPRuleService (Protos/testing/v1/http_rules.proto),
the service of the REST/JSON tests. test_backend.py registers it on the same server as
TestService (`add_to_server`), so one backend process serves the whole suite.

Most methods echo what they received (RuleReply): the request as json_format renders it, the
request message itself, and every metadata entry, so a test asserts what the gateway BUILT from
the URL, query and body. Not a test module (no `test_` prefix).
"""

import base64
import json
import time
import threading

import grpc
from google.api import httpbody_pb2
from google.protobuf import any_pb2, duration_pb2, empty_pb2, json_format
from google.rpc import error_details_pb2, status_pb2

from testing.v1 import http_rules_pb2 as pb
from testing.v1 import http_rules_pb2_grpc as pb_grpc

SERVICE = "testing.v1.HTTPRuleService"
ECHO_PREFIX = "x-echo-"
CALL_ID_METADATA = "x-call-id"
STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}
DEFAULT_DOWNLOAD_TYPE = "text/csv; charset=utf-8"
DEFAULT_DOWNLOAD_DATA = b"id,title\n1,Dune\n"
# A detail whose type no descriptor set defines: the gateway must pass it on as base64.
UNKNOWN_DETAIL_TYPE = "type.example.com/acme.NotLoaded"
UNKNOWN_DETAIL_VALUE = b"\x08\x2a"
# A books' page count above 2^53, so a JSON number would lose it: int64 must print as a string.
BIG_PAGES = 9007199254740993


def request_json(message):
    return json.dumps(json_format.MessageToDict(message, preserving_proto_field_name=True), sort_keys=True)


def metadata_map(context):
    """Invocation metadata as a map; -bin values as padded base64; repeated keys joined ","."""
    seen = {}
    for key, value in context.invocation_metadata():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        seen[key] = f"{seen[key]},{value}" if key in seen else value
    return seen


def echo_headers(context, extra=()):
    return tuple((k, v) for k, v in context.invocation_metadata() if k.startswith(ECHO_PREFIX)) + tuple(extra)


def echo_trailers(context):
    return tuple(
        ("x-trailer-" + k[len("x-") :], v) for k, v in context.invocation_metadata() if k.startswith(ECHO_PREFIX)
    )


def wait(context, seconds):
    """Sleeps, waking early if the call ends. Returns False if the call is gone."""
    ended = threading.Event()
    if not context.add_callback(ended.set):
        return False
    return not ended.wait(seconds)


def status_details(code, message, retry=None):
    """grpc-status-details-bin: BadRequest, RetryInfo, a packed Duration, and an unknown type."""
    details = []
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="book.title", description="must not be empty"),
            error_details_pb2.BadRequest.FieldViolation(field="book.pages", description="must be positive"),
        ]
    )
    if retry is None or not retry.HasField("retry_delay"):
        retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1, nanos=500_000_000))
    for message_ in (bad_request, retry, duration_pb2.Duration(seconds=3)):
        detail = any_pb2.Any()
        detail.Pack(message_)
        details.append(detail)
    details.append(any_pb2.Any(type_url=UNKNOWN_DETAIL_TYPE, value=UNKNOWN_DETAIL_VALUE))
    return status_pb2.Status(code=code, message=message, details=details).SerializeToString()


def only_bad_request(code, message):
    """grpc-status-details-bin with one BadRequest (stream failures)."""
    detail = any_pb2.Any()
    detail.Pack(
        error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field="shelf", description="stream broke")]
        )
    )
    return status_pb2.Status(code=code, message=message, details=[detail]).SerializeToString()


class Progress:
    """call_id → how many messages a client-streaming call has received, and whether it ended."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls = {}

    def update(self, call_id, received, ended=False):
        if call_id:
            with self._lock:
                self._calls[call_id] = (received, ended)

    def get(self, call_id):
        with self._lock:
            return self._calls.get(call_id, (0, False))


class HTTPRuleBackend(pb_grpc.HTTPRuleServiceServicer):
    def __init__(self):
        self.progress = Progress()

    # Unary echoes.

    def _reply(self, method, request, context, extra_headers=()):
        if request.sleep_ms and not wait(context, request.sleep_ms / 1000):
            return pb.RuleReply()
        headers = list(extra_headers)
        if request.http_code:
            headers.append(("x-http-code", request.http_code))
        context.send_initial_metadata(echo_headers(context, headers))
        context.set_trailing_metadata(echo_trailers(context))
        return pb.RuleReply(
            method=method, request_json=request_json(request), request=request, metadata=metadata_map(context)
        )

    def GetBook(self, request, context):
        return self._reply("GetBook", request, context)

    def GetSpecialBook(self, request, context):
        return self._reply("GetSpecialBook", request, context)

    def GetResource(self, request, context):
        return self._reply("GetResource", request, context)

    def GetFile(self, request, context):
        return self._reply("GetFile", request, context)

    def Search(self, request, context):
        return self._reply("Search", request, context)

    def CreateBook(self, request, context):
        return self._reply("CreateBook", request, context)

    def UpdateBook(self, request, context):
        return self._reply("UpdateBook", request, context)

    def DeleteBook(self, request, context):
        context.send_initial_metadata(echo_headers(context, [("x-deleted-name", request.name)]))
        return empty_pb2.Empty()

    def PublishBook(self, request, context):
        return self._reply("PublishBook", request, context)

    def BatchGetBooks(self, request, context):
        return self._reply("BatchGetBooks", request, context)

    def GetReplyPart(self, request, context):
        return self._reply("GetReplyPart", request, context)

    def HeadBook(self, request, context):
        return self._reply("HeadBook", request, context, [("x-head-id", request.id)])

    def Echo(self, request, context):
        return self._reply("Echo", request, context)

    def EchoOptions(self, request, context):
        return self._reply("EchoOptions", request, context)

    def CreateShelf(self, request, context):
        context.send_initial_metadata(echo_headers(context))
        return pb.Shelf(name=request.name, floor=request.floor)

    def Garbage(self, request, context):
        # Registered with an identity serializer: a length-delimited field 1 that claims 16 bytes
        # and has 3, which no protobuf parser accepts.
        return b"\x0a\x10abc"

    # HttpBody.

    def Upload(self, request, context):
        context.send_initial_metadata(echo_headers(context))
        return pb.RuleReply(
            method="Upload",
            request_json=request_json(request),
            content_type=request.data.content_type,
            data=request.data.data,
            upload_name=request.name,
            metadata=metadata_map(context),
        )

    def UploadRaw(self, request, context):
        context.send_initial_metadata(echo_headers(context))
        return pb.RuleReply(
            method="UploadRaw",
            request_json=request_json(request),
            content_type=request.content_type,
            data=request.data,
            metadata=metadata_map(context),
        )

    def Download(self, request, context):
        context.send_initial_metadata(echo_headers(context))
        return httpbody_pb2.HttpBody(
            content_type=request.string_value or DEFAULT_DOWNLOAD_TYPE, data=request.bytes_value or DEFAULT_DOWNLOAD_DATA
        )

    def DownloadStream(self, request, context):
        for sequence, item in enumerate(self._stream(request, context)):
            yield httpbody_pb2.HttpBody(content_type="text/plain", data=f"part-{sequence}\n".encode())

    # Streams.

    def _stream(self, request, context):
        """Yields the sequence numbers to send, sleeping between them; fails as asked."""
        replies = min(request.fail_after, request.count) if request.fail_code else request.count
        if replies > 0:
            # With no reply coming, the headers stay unsent so a failure is trailers-only.
            context.send_initial_metadata(echo_headers(context))
        context.set_trailing_metadata(echo_trailers(context))
        for sequence in range(replies):
            if sequence > 0 and not wait(context, request.interval_ms / 1000):
                return
            yield sequence
        if request.fail_code:
            if replies > 0 and not wait(context, request.interval_ms / 1000):
                return
            trailers = list(echo_trailers(context))
            if request.error_details:
                trailers.append(
                    ("grpc-status-details-bin", only_bad_request(request.fail_code, request.fail_message))
                )
            context.set_trailing_metadata(trailers)
            context.abort(STATUS_CODES[request.fail_code], request.fail_message)

    def ListBooks(self, request, context):
        for sequence in self._stream(request, context):
            yield pb.Book(
                id=str(sequence),
                title=f"book {sequence}",
                shelf=pb.Shelf(name=request.shelf),
                pages=BIG_PAGES + sequence,
            )

    def ListBooksAlt(self, request, context):
        yield from self.ListBooks(request, context)

    def CollectBooks(self, request_iterator, context):
        metadata = dict(context.invocation_metadata())
        call_id = metadata.get(CALL_ID_METADATA, "")
        # A slow reader, for upload back-pressure tests: this long per message, and only the
        # message count and sizes are kept.
        read_delay_s = int(metadata.get("x-read-delay-ms", "0")) / 1000
        books = []
        self.progress.update(call_id, 0)
        for book in request_iterator:
            if read_delay_s:
                time.sleep(read_delay_s)
                books.append({"id": book.id, "title_length": len(book.title)})
                self.progress.update(call_id, len(books))
                continue
            books.append(json_format.MessageToDict(book, preserving_proto_field_name=True))
            self.progress.update(call_id, len(books))
            if book.title == "fail":
                self.progress.update(call_id, len(books), ended=True)
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"book {len(books) - 1} has the title 'fail'")
        self.progress.update(call_id, len(books), ended=True)
        context.send_initial_metadata(echo_headers(context))
        return pb.RuleReply(method="CollectBooks", request_json=json.dumps(books), metadata=metadata_map(context))

    def ChatBooks(self, request_iterator, context):
        call_id = dict(context.invocation_metadata()).get(CALL_ID_METADATA, "")
        context.send_initial_metadata(echo_headers(context))
        received = 0
        for book in request_iterator:
            received += 1
            self.progress.update(call_id, received)
            yield pb.Book(id=book.id, title=f"echo: {book.title}", pages=book.pages)
        self.progress.update(call_id, received, ended=True)

    def StreamProgress(self, request, context):
        received, ended = self.progress.get(request.call_id)
        return pb.StreamProgressReply(received=received, ended=ended)

    # Errors.

    def Fail(self, request, context):
        if request.headers_first:
            context.send_initial_metadata(echo_headers(context))
        trailers = list(echo_trailers(context))
        if request.details:
            retry = request.retry if request.HasField("retry") else None
            trailers.append(("grpc-status-details-bin", status_details(request.code, request.message, retry)))
        context.set_trailing_metadata(trailers)
        if request.code == 0:
            return pb.RuleReply(method="Fail")
        context.abort(STATUS_CODES[request.code], request.message)


class _HandlerCapture:
    """Stands in for a grpc.Server to take the generated method handlers, so one can be changed."""

    def __init__(self):
        self.handlers = None

    def add_generic_rpc_handlers(self, handlers):
        pass

    def add_registered_method_handlers(self, service, handlers):
        self.handlers = dict(handlers)


def add_to_server(server):
    """Registers HTTPRuleService on `server`; Garbage's reply goes out as raw bytes."""
    servicer = HTTPRuleBackend()
    capture = _HandlerCapture()
    pb_grpc.add_HTTPRuleServiceServicer_to_server(servicer, capture)
    handlers = capture.handlers
    handlers["Garbage"] = grpc.unary_unary_rpc_method_handler(
        servicer.Garbage, request_deserializer=pb.RuleRequest.FromString, response_serializer=lambda raw: raw
    )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    server.add_registered_method_handlers(SERVICE, handlers)
    return servicer
