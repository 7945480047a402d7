-- wrk script for benchmarks/web_latency.py: each thread is one signed-in member (its own
-- session cookie); every connection of it is one client.
-- Arguments: endpoint (trivial | today | account), think time in ms (0: back to back),
-- file of session cookies (one per line), file of account ids (one per line).
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("number", counter)
  table.insert(threads, thread)
end

function init(args)
  endpoint = args[1]
  think = tonumber(args[2])
  local cookies = {}
  for line in io.lines(args[3]) do cookies[#cookies + 1] = line end
  cookie = cookies[((number - 1) % #cookies) + 1]
  ids = {}
  if endpoint == "account" then
    for line in io.lines(args[4]) do ids[#ids + 1] = line end
  end
  math.randomseed(7 + number)
  not_ok = 0
end

function request()
  local path = "/static/favicon.svg"
  if endpoint == "today" then
    path = "/today"
  elseif endpoint == "account" then
    path = "/accounts/" .. ids[math.random(#ids)]
  end
  return wrk.format("GET", path, { ["Cookie"] = cookie })
end

-- A person reads the page before the next click: 0.5 to 1.5 times the think time.
function delay()
  if think > 0 then
    return math.floor(think * (0.5 + math.random()))
  end
  return 0
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do
    refused = refused + thread:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "not_200": %d, "socket_errors": %d, "timeouts": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f}\n',
    summary.requests, summary.duration, refused, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
