-- wrk script for scripts/bench: POSTs one prebuilt gRPC-Web request and checks every response.
--
--   wrk ... -s scripts/bench.d/grpcweb.lua http://HOST:PORT/orders.OrderService/GetOrder -- MODE N [REQUEST]
--
-- MODE is `binary` (application/grpc-web+proto) or `text` (application/grpc-web-text, base64).
-- N is how many data frames (messages) a correct response carries: 1 for GetOrder and CreateOrder,
-- 4 for StreamOrderUpdates. REQUEST is `small` (default): field 1 = "ord-123", which is
-- GetOrderRequest / OrderStatusRequest{order_id: "ord-123"}; or `1mib` (binary only, for
-- CreateOrder): CreateOrderRequest{customer_id: 1 MiB of "x"}, a 1,048,585-byte body. The backend
-- reads and ignores requests, so every method answers as usual whatever it is sent.
--
-- A response counts as good only if its HTTP status is 200 and its body (base64-decoded in text
-- mode, chunk by chunk: each flushed chunk may carry its own padding) is exactly N uncompressed data
-- frames followed by one trailer frame (0x80) whose block says grpc-status 0 (`grpc-status:0` or
-- `grpc-status: 0`). A trailers-only reply (status in the headers, empty body) is therefore bad here:
-- every call in these scenarios must succeed. done() prints one `BENCH key=value ...` line that
-- scripts/bench parses.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- gRPC message: flag 0, length 9 (big-endian u32), then GetOrderRequest{order_id: "ord-123"}
-- = 0a 07 "ord-123" (field 1, wire type 2, 7 bytes).
local frame = "\0\0\0\0\9" .. "\10\7" .. "ord-123"
local frame_base64 = "AAAAAAkKB29yZC0xMjM="

-- CreateOrderRequest{customer_id (field 1): 1 MiB of "x"}: tag 0a, length 2^20 as the varint
-- 80 80 40, the string; 1,048,580 bytes in all (0x00100004), behind the 5-byte prefix.
local function large_frame()
   return "\0" .. "\0\16\0\4" .. "\10" .. "\128\128\64" .. string.rep("x", 1048576)
end

local mode, expected = "binary", 1

function init(args)
   mode = args[1] or "binary"
   expected = tonumber(args[2] or "1")
   local request = args[3] or "small"
   wrk.method = "POST"
   wrk.headers["X-Grpc-Web"] = "1"
   wrk.headers["X-User-Agent"] = "grpc-web-javascript/0.1"
   wrk.headers["Origin"] = "http://localhost:8080"
   if mode == "text" then
      wrk.headers["Content-Type"] = "application/grpc-web-text"
      wrk.headers["Accept"] = "application/grpc-web-text"
      wrk.body = frame_base64
   else
      wrk.headers["Content-Type"] = "application/grpc-web+proto"
      wrk.headers["Accept"] = "application/grpc-web+proto"
      wrk.body = frame
      if request == "1mib" then wrk.body = large_frame() end
   end
   -- Globals, so done() can read them with thread:get().
   good, bad_http, bad_grpc, first_bad = 0, 0, 0, ""
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local sextet = {}
for i = 1, 64 do sextet[alphabet:byte(i)] = i - 1 end

-- Standard base64, padding allowed at the end of any 4-character quantum (chunks are padded per
-- flush). Returns nil when the text is not valid.
local function unbase64(s)
   if #s % 4 ~= 0 then return nil end
   local out = {}
   for i = 1, #s, 4 do
      local a, b, c, d = s:byte(i, i + 3)
      local va, vb = sextet[a], sextet[b]
      if va == nil or vb == nil then return nil end
      local n = va * 262144 + vb * 4096
      out[#out + 1] = string.char(math.floor(n / 65536))
      if c ~= 61 then
         local vc = sextet[c]
         if vc == nil then return nil end
         n = n + vc * 64
         out[#out + 1] = string.char(math.floor(n / 256) % 256)
         if d ~= 61 then
            local vd = sextet[d]
            if vd == nil then return nil end
            out[#out + 1] = string.char((n + vd) % 256)
         end
      elseif d ~= 61 then
         return nil
      end
   end
   return table.concat(out)
end

-- nil when the body is N data frames then a grpc-status 0 trailer frame; otherwise why not.
local function problem(body)
   local pos, n, messages, trailer = 1, #body, 0, nil
   while pos <= n do
      if trailer then return "bytes after the trailer frame" end
      if pos + 4 > n then return "truncated frame prefix" end
      local flag, b1, b2, b3, b4 = body:byte(pos, pos + 4)
      local length = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
      if pos + 4 + length > n then return "truncated frame" end
      if flag == 0 then
         messages = messages + 1
      elseif flag == 128 then
         trailer = body:sub(pos + 5, pos + 4 + length)
      else
         return "unexpected frame flag " .. flag
      end
      pos = pos + 5 + length
   end
   if not trailer then return "no trailer frame (" .. n .. " body bytes)" end
   if messages ~= expected then return messages .. " messages, expected " .. expected end
   local code = trailer:lower():match("grpc%-status: ?(%d+)")
   if code ~= "0" then return "trailer: " .. trailer:gsub("\r\n", " | ") end
   return nil
end

function response(status, headers, body)
   if status ~= 200 then
      bad_http = bad_http + 1
      if first_bad == "" then
         first_bad = "HTTP " .. status .. " grpc-status=" .. tostring(headers["grpc-status"])
            .. " grpc-message=" .. tostring(headers["grpc-message"])
      end
      return
   end
   local decoded = body
   if mode == "text" then decoded = unbase64(body) end
   local why = "invalid base64"
   if decoded then why = problem(decoded) end
   if why then
      bad_grpc = bad_grpc + 1
      if first_bad == "" then
         first_bad = why .. " grpc-status(header)=" .. tostring(headers["grpc-status"])
      end
   else
      good = good + 1
   end
end

function done(summary, latency, requests)
   local g, h, r, first = 0, 0, 0, ""
   for _, thread in ipairs(threads) do
      g = g + thread:get("good")
      h = h + thread:get("bad_http")
      r = r + thread:get("bad_grpc")
      if first == "" then first = thread:get("first_bad") end
   end
   first = first:gsub("%c", " ")
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d good=%d bad_http=%d"
         .. " bad_grpc=%d sock_connect=%d sock_read=%d sock_write=%d sock_timeout=%d first_bad=%q\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.max, g, h, r, e.connect, e.read, e.write, e.timeout, first))
end
