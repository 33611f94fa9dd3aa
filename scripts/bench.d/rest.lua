-- wrk script for scripts/bench: REST/JSON requests, every response checked.
--
--   wrk ... -s scripts/bench.d/rest.lua http://HOST:PORT/v1/orders/ord-123 -- MODE
--
-- MODE (the URL must be the matching google.api.http path of examples/orders/orders.binpb):
--   get     GET  /v1/orders/ord-123           → the backend's fixed Order as one JSON object
--   post    POST /v1/orders, a JSON body      → the same Order (the backend ignores the request):
--           {"customerId":"c1","items":[{"productId":"p","quantity":2}]}
--   post-1mib  the same with a 1 MiB customerId (1 MiB of "x"; a 1,048,634-byte body)
--   stream  GET  /v1/orders/ord-123/updates   → the four fixed OrderStatus messages, either as
--           newline-delimited JSON (the gateway's default) or as one JSON array (Envoy's
--           grpc_json_transcoder default); both are accepted, the messages are counted
--
-- A response counts as good only if its HTTP status is 200, its content type is JSON
-- (application/json, or application/x-ndjson / application/jsonl for ndjson) and its body parses
-- as JSON whose messages are semantically the expected ones: each object has exactly the expected
-- keys (ProtoJSON lowerCamel names, default values omitted) with the expected values. Formatting
-- (whitespace, key order, number spelling: 42.5 == 4.25e1) may differ between the proxies.
-- done() prints the same `BENCH key=value ...` line as grpcweb.lua (bad_grpc counts wrong bodies).

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- backend's fixed Order: orders.Order{id, customer_id, total, status} as ProtoJSON.
local order = { id = "ord-123", customerId = "cust-9", total = 42.5, status = "shipped" }
local statuses = {}
for i, s in ipairs({ "created", "paid", "packed", "shipped" }) do
   statuses[i] = { orderId = "ord-123", status = s, timestamp = "2026-01-05T10:00:0" .. (i - 1) .. "Z" }
end

local mode = "get"

function init(args)
   mode = args[1] or "get"
   wrk.headers["Origin"] = "http://localhost:8080"
   wrk.headers["Accept"] = "application/json"
   if mode == "post" or mode == "post-1mib" then
      local customer = mode == "post" and "c1" or string.rep("x", 1048576)
      wrk.method = "POST"
      wrk.headers["Content-Type"] = "application/json"
      wrk.body = '{"customerId":"' .. customer .. '","items":[{"productId":"p","quantity":2}]}'
   else
      wrk.method = "GET"
      wrk.body = nil
   end
   good, bad_http, bad_grpc, first_bad = 0, 0, 0, ""
end

-- A small strict JSON reader (objects, arrays, strings with escapes, numbers, true/false/null).
-- parse_value(s, i) returns value, next index; or nil, error message.
local parse_value

local function skip(s, i)
   return s:find("[^ \t\r\n]", i) or #s + 1
end

local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function parse_string(s, i)
   -- s:sub(i, i) == '"'
   local out, j = {}, i + 1
   while true do
      local k = s:find('["\\]', j)
      if not k then return nil, "unterminated string" end
      out[#out + 1] = s:sub(j, k - 1)
      if s:sub(k, k) == '"' then return table.concat(out), k + 1 end
      local e = s:sub(k + 1, k + 1)
      if escapes[e] then
         out[#out + 1] = escapes[e]; j = k + 2
      elseif e == "u" then
         local hex = s:sub(k + 2, k + 5)
         if not hex:match("^%x%x%x%x$") then return nil, "bad \\u escape" end
         local c = tonumber(hex, 16)
         if c < 128 then out[#out + 1] = string.char(c) else out[#out + 1] = "\\u" .. hex end
         j = k + 6
      else
         return nil, "bad escape"
      end
   end
end

parse_value = function(s, i)
   i = skip(s, i)
   local c = s:sub(i, i)
   if c == "{" then
      local obj = {}
      i = skip(s, i + 1)
      if s:sub(i, i) == "}" then return obj, i + 1 end
      while true do
         if s:sub(i, i) ~= '"' then return nil, "expected a key" end
         local key, err = parse_string(s, i)
         if key == nil then return nil, err end
         i = skip(s, err)
         if s:sub(i, i) ~= ":" then return nil, "expected ':'" end
         local value
         value, i = parse_value(s, i + 1)
         if value == nil then return nil, i end
         if obj[key] ~= nil then return nil, "duplicate key " .. key end
         obj[key] = value
         i = skip(s, i)
         c = s:sub(i, i)
         if c == "}" then return obj, i + 1 end
         if c ~= "," then return nil, "expected ',' or '}'" end
         i = skip(s, i + 1)
      end
   elseif c == "[" then
      local arr = { is_array = true }
      i = skip(s, i + 1)
      if s:sub(i, i) == "]" then return arr, i + 1 end
      while true do
         local value
         value, i = parse_value(s, i)
         if value == nil then return nil, i end
         arr[#arr + 1] = value
         i = skip(s, i)
         c = s:sub(i, i)
         if c == "]" then return arr, i + 1 end
         if c ~= "," then return nil, "expected ',' or ']'" end
         i = i + 1
      end
   elseif c == '"' then
      return parse_string(s, i)
   else
      local number = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
      if number and #number > 0 and tonumber(number) then
         return tonumber(number), i + #number
      end
      for word, value in pairs({ ["true"] = true, ["false"] = false, ["null"] = "null" }) do
         if s:sub(i, i + #word - 1) == word then return value, i + #word end
      end
      return nil, "unexpected " .. (c == "" and "end of body" or "'" .. c .. "'")
   end
end

-- nil when obj is a JSON object with exactly the keys and values of want.
local function differs(obj, want)
   if type(obj) ~= "table" or obj.is_array then return "not an object" end
   for k, v in pairs(want) do
      if obj[k] ~= v then return k .. "=" .. tostring(obj[k]) .. ", expected " .. tostring(v) end
   end
   for k in pairs(obj) do
      if want[k] == nil then return "unexpected key " .. k end
   end
   return nil
end

-- The body as a list of JSON values: one JSON array, or one value per non-empty line (NDJSON).
local function messages(body)
   local first = skip(body, 1)
   if body:sub(first, first) == "[" then
      local arr, next_i = parse_value(body, first)
      if arr == nil then return nil, "bad JSON array: " .. next_i end
      if skip(body, next_i) <= #body then return nil, "bytes after the JSON array" end
      return arr
   end
   local list = {}
   for line in body:gmatch("[^\n]+") do
      if line:find("[^ \t\r]") then
         local value, next_i = parse_value(line, 1)
         if value == nil then return nil, "bad NDJSON line: " .. next_i end
         if skip(line, next_i) <= #line then return nil, "bytes after a JSON value on a line" end
         list[#list + 1] = value
      end
   end
   return list
end

local function header(headers, name)
   for k, v in pairs(headers) do
      if k:lower() == name then return v end
   end
   return nil
end

-- nil when the body is right for the mode; otherwise why not.
local function problem(headers, body)
   local ctype = (header(headers, "content-type") or ""):lower()
   if mode == "stream" then
      if not (ctype:find("^application/json") or ctype:find("^application/x%-ndjson")
              or ctype:find("^application/jsonl")) then
         return "content-type " .. ctype
      end
      local list, err = messages(body)
      if list == nil then return err end
      if #list ~= #statuses then return #list .. " messages, expected " .. #statuses end
      for i, want in ipairs(statuses) do
         local why = differs(list[i], want)
         if why then return "message " .. i .. ": " .. why end
      end
      return nil
   end
   if not ctype:find("^application/json") then return "content-type " .. ctype end
   local value, next_i = parse_value(body, 1)
   if value == nil then return "bad JSON: " .. next_i end
   if skip(body, next_i) <= #body then return "bytes after the JSON object" end
   return differs(value, order)
end

function response(status, headers, body)
   if status ~= 200 then
      bad_http = bad_http + 1
      if first_bad == "" then
         first_bad = "HTTP " .. status .. " " .. tostring(body):sub(1, 120)
      end
      return
   end
   local why = problem(headers, body)
   if why then
      bad_grpc = bad_grpc + 1
      if first_bad == "" then first_bad = why .. " | body: " .. body:sub(1, 120) end
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
