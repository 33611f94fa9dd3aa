// A minimal gRPC-Web client for the browser, written by hand because this example ships without
// npm: just enough protobuf for flat messages, gRPC-Web framing, and text mode (base64) so that
// server streaming works over fetch. See gRPC's doc/PROTOCOL-WEB.md for the wire format.

export const STATUS_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
  "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
  "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
];
export const Code = Object.fromEntries(STATUS_NAMES.map((name, code) => [name, code]));

export class GrpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.codeName = STATUS_NAMES[code] ?? `CODE_${code}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Protobuf. A schema maps field numbers to [name, type]; type is "string", "double", "int32",
// a nested schema, or ["repeated", type]. That covers the orders messages and nothing more.

const WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2, WIRE_FIXED32 = 5;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

class Writer {
  constructor() { this.bytes = []; }

  // Varints are written from a (lo, hi) pair of unsigned 32-bit halves because JS bit operators
  // stop at 32 bits, and a negative int32 must go on the wire as a 10-byte 64-bit varint.
  varint(lo, hi = 0) {
    while (hi > 0 || lo > 0x7f) {
      this.bytes.push((lo & 0x7f) | 0x80);
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.bytes.push(lo);
  }

  tag(field, wireType) { this.varint(((field << 3) | wireType) >>> 0); }

  lengthDelimited(field, bytes) {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    for (const b of bytes) this.bytes.push(b);
  }

  finish() { return Uint8Array.from(this.bytes); }
}

function encodeField(writer, field, type, value) {
  if (type === "string") {
    writer.lengthDelimited(field, utf8Encoder.encode(value));
  } else if (type === "int32") {
    writer.tag(field, WIRE_VARINT);
    writer.varint(value >>> 0, value < 0 ? 0xffffffff : 0);
  } else if (type === "double") {
    writer.tag(field, WIRE_FIXED64);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) writer.bytes.push(view.getUint8(i));
  } else if (typeof type === "object") {
    writer.lengthDelimited(field, encode(type, value));
  } else {
    throw new TypeError(`unsupported field type ${type}`);
  }
}

const isRepeated = (type) => Array.isArray(type) && type[0] === "repeated";

export function encode(schema, message) {
  const writer = new Writer();
  for (const [number, [name, type]] of Object.entries(schema)) {
    const value = message[name];
    if (isRepeated(type)) {
      for (const item of value ?? []) encodeField(writer, Number(number), type[1], item);
    } else if (value !== undefined && value !== null && value !== "" && value !== 0) {
      // proto3 leaves default values off the wire.
      encodeField(writer, Number(number), type, value);
    }
  }
  return writer.finish();
}

function defaultValue(type) {
  if (isRepeated(type)) return [];
  if (type === "string") return "";
  if (type === "int32" || type === "double") return 0;
  return null;
}

export function decode(schema, bytes) {
  const message = {};
  for (const [name, type] of Object.values(schema)) message[name] = defaultValue(type);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;

  const need = (n) => {
    if (pos + n > bytes.length) throw new GrpcError(Code.INTERNAL, "truncated protobuf message");
  };
  // Returns the low 32 bits, which is all an int32, a tag or a length can use; the rest of a
  // 10-byte varint (a negative int32) is read and dropped.
  const varint = () => {
    let lo = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      need(1);
      const b = bytes[pos++];
      if (shift < 32) lo |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return lo >>> 0;
    }
    throw new GrpcError(Code.INTERNAL, "varint longer than 10 bytes");
  };

  while (pos < bytes.length) {
    const key = varint();
    const field = key >>> 3, wireType = key & 7;
    const [name, declared] = schema[field] ?? [];
    const type = isRepeated(declared) ? declared[1] : declared;
    let value;
    if (wireType === WIRE_VARINT) {
      value = varint() | 0;
    } else if (wireType === WIRE_FIXED64) {
      need(8);
      value = view.getFloat64(pos, true);
      pos += 8;
    } else if (wireType === WIRE_LEN) {
      const length = varint();
      need(length);
      const slice = bytes.subarray(pos, pos + length);
      pos += length;
      if (type === "string") value = utf8Decoder.decode(slice);
      else if (typeof type === "object" && type !== null) value = decode(type, slice);
    } else if (wireType === WIRE_FIXED32) {
      need(4);
      pos += 4;
    } else {
      throw new GrpcError(Code.INTERNAL, `unsupported wire type ${wireType} for field ${field}`);
    }
    // Unknown fields are skipped: a newer server may add some.
    if (name === undefined || value === undefined) continue;
    if (isRepeated(declared)) message[name].push(value);
    else message[name] = value;
  }
  return message;
}

// ---------------------------------------------------------------------------------------------
// gRPC-Web framing and text mode.

const FLAG_TRAILER = 0x80;
const FLAG_COMPRESSED = 0x01;

function frame(payload) {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

function toBase64(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

// atob() refuses "=" anywhere but at the very end, yet the server pads every chunk it flushes,
// so the text we hold may read "AAA=AAAA". Each 4-character quantum decodes on its own, so cut
// after every quantum that carries padding and decode the pieces separately.
function fromBase64(text) {
  const pieces = [];
  let start = 0;
  while (start < text.length) {
    const pad = text.indexOf("=", start);
    const end = pad === -1 ? text.length : (Math.floor(pad / 4) + 1) * 4;
    const binary = atob(text.slice(start, end));
    const piece = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) piece[i] = binary.charCodeAt(i);
    pieces.push(piece);
    start = end;
  }
  return concat(pieces);
}

function concat(arrays) {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) { out.set(a, offset); offset += a.length; }
  return out;
}

// The trailer block is HTTP/1-style "key: value\r\n" lines; peers differ on the space after the
// colon, so both forms are accepted.
function parseTrailers(bytes) {
  const trailers = {};
  for (const line of new TextDecoder().decode(bytes).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return trailers;
}

// grpc-message is percent-encoded on the wire so that any Unicode text fits in a header.
function decodeGrpcMessage(value) {
  try { return decodeURIComponent(value ?? ""); } catch { return value ?? ""; }
}

// Only when no grpc-status arrived at all: what a proxy's bare HTTP error means (gRPC's
// doc/http-grpc-status-mapping.md).
function codeForHttpStatus(status) {
  return {
    400: Code.INTERNAL, 401: Code.UNAUTHENTICATED, 403: Code.PERMISSION_DENIED,
    404: Code.UNIMPLEMENTED, 429: Code.UNAVAILABLE, 431: Code.INTERNAL, 502: Code.UNAVAILABLE,
    503: Code.UNAVAILABLE, 504: Code.UNAVAILABLE,
  }[status] ?? Code.UNKNOWN;
}

// Turns the response body into frames as it arrives. In text mode it decodes, like the grpc-web
// JS client, the longest prefix whose length is a multiple of 4 and keeps the rest for later,
// so a message is handed on as soon as its last byte is here, not when the call ends.
class FrameReader {
  constructor(textMode) {
    this.textMode = textMode;
    this.text = "";
    this.bytes = new Uint8Array(0);
    this.ascii = new TextDecoder("ascii");
  }

  push(chunk) {
    let fresh = chunk;
    if (this.textMode) {
      this.text += this.ascii.decode(chunk, { stream: true }).replace(/\s+/g, "");
      const usable = this.text.length - (this.text.length % 4);
      try {
        fresh = fromBase64(this.text.slice(0, usable));
      } catch {
        throw new GrpcError(Code.INTERNAL, "response is not valid base64");
      }
      this.text = this.text.slice(usable);
    }
    this.bytes = concat([this.bytes, fresh]);
    const frames = [];
    while (this.bytes.length >= 5) {
      const length = new DataView(this.bytes.buffer, this.bytes.byteOffset).getUint32(1);
      if (this.bytes.length < 5 + length) break;
      frames.push({ flag: this.bytes[0], payload: this.bytes.slice(5, 5 + length) });
      this.bytes = this.bytes.slice(5 + length);
    }
    return frames;
  }

  get leftover() { return this.text.length + this.bytes.length; }
}

// ---------------------------------------------------------------------------------------------
// Calls.

export class Client {
  constructor(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  // Server streaming, and the base of unary calls: onMessage(decoded) runs for each message as
  // it arrives. Resolves with the trailers when the call ends OK, rejects with a GrpcError
  // otherwise. `signal` (an AbortSignal) cancels the call; `deadlineMs` becomes grpc-timeout.
  async serverStream(path, requestSchema, responseSchema, request, { onMessage, signal, deadlineMs } = {}) {
    const headers = {
      "content-type": "application/grpc-web-text",
      "accept": "application/grpc-web-text",
      "x-grpc-web": "1",
      "x-user-agent": "grpc-web-orders-page/0.1",
    };
    if (deadlineMs) headers["grpc-timeout"] = `${Math.ceil(deadlineMs)}m`;

    let response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: "POST",
        headers,
        body: toBase64(frame(encode(requestSchema, request))),
        signal,
        mode: "cors",
      });
    } catch (error) {
      throw networkError(error);
    }

    const contentType = response.headers.get("content-type") ?? "";
    const textMode = contentType.startsWith("application/grpc-web-text");
    if (!contentType.startsWith("application/grpc")) {
      // Not gRPC at all (an HTML error page from a proxy, say): the HTTP status is all we have.
      const status = response.headers.get("grpc-status");
      throw new GrpcError(
        /^\d+$/.test(status ?? "") ? Number(status) : codeForHttpStatus(response.status),
        decodeGrpcMessage(response.headers.get("grpc-message")) || `HTTP ${response.status} ${contentType || "(no content type)"}`,
      );
    }

    const reader = new FrameReader(textMode);
    const body = response.body.getReader();
    let trailers = null;
    try {
      for (;;) {
        let chunk;
        try {
          chunk = await body.read();
        } catch (error) {
          throw networkError(error);
        }
        if (chunk.done) break;
        for (const { flag, payload } of reader.push(chunk.value)) {
          if (trailers) throw new GrpcError(Code.INTERNAL, "frame after the trailer frame");
          if (flag & FLAG_COMPRESSED) {
            throw new GrpcError(Code.INTERNAL, "compressed frame, but no compression was offered");
          } else if (flag & FLAG_TRAILER) {
            trailers = parseTrailers(payload);
          } else {
            onMessage?.(decode(responseSchema, payload));
          }
        }
      }
    } catch (error) {
      // Stop the download too, or the browser keeps reading a stream nobody listens to.
      body.cancel().catch(() => {});
      throw error;
    }
    if (reader.leftover) throw new GrpcError(Code.INTERNAL, "response ended inside a frame");

    // A trailers-only reply (an error before any message) carries the status in the headers.
    const status = trailers ?? {
      "grpc-status": response.headers.get("grpc-status"),
      "grpc-message": response.headers.get("grpc-message"),
    };
    if (status["grpc-status"] === null || status["grpc-status"] === undefined) {
      throw new GrpcError(codeForHttpStatus(response.status), `no grpc-status in the reply (HTTP ${response.status})`);
    }
    const code = /^\d+$/.test(status["grpc-status"]) ? Number(status["grpc-status"]) : Code.UNKNOWN;
    if (code !== Code.OK) throw new GrpcError(code, decodeGrpcMessage(status["grpc-message"]));
    return status;
  }

  async unary(path, requestSchema, responseSchema, request, options = {}) {
    const messages = [];
    await this.serverStream(path, requestSchema, responseSchema, request, {
      ...options,
      onMessage: (message) => messages.push(message),
    });
    if (messages.length !== 1) {
      throw new GrpcError(Code.INTERNAL, `a unary call returned ${messages.length} messages`);
    }
    return messages[0];
  }
}

// fetch() only says "Failed to fetch" when CORS refuses a reply or nothing listens: the details
// are in the browser console, never available to the page.
function networkError(error) {
  if (error?.name === "AbortError") return new GrpcError(Code.CANCELLED, "cancelled by the page");
  return new GrpcError(Code.UNAVAILABLE, `${error?.message ?? error} (gateway down, or CORS refused this origin: see the console)`);
}
