-- wrk script: N learners studying at once, for benchmarks/ten_thousand_learners.py.
-- LEARNERS names a file, one learner a line: "<ticket> <lesson page path> <session key>".
-- RATE is the requests per second all connections together should send: each learner
-- beats every 30 s, so RATE = learners / 30 × (1 + PAGE_SHARE). Each connection waits
-- between its requests so that the connections together keep that rate (open loop as far
-- as wrk allows: a connection waits for its answer, then for its next turn).
-- PAGE_SHARE of the requests open the learner's lesson page (with their session cookie).
local learners = {}
for line in io.lines(os.getenv("LEARNERS")) do
  local ticket, path, session = line:match("^(%S+) (%S+) (%S+)$")
  if ticket then learners[#learners + 1] = { ticket = ticket, path = path, session = session } end
end
local rate = tonumber(os.getenv("RATE"))
local share = tonumber(os.getenv("PAGE_SHARE") or "0.05")

local connections, threads = 1, {}
function setup(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end

function init(args)
  connections = tonumber(os.getenv("CONNECTIONS"))
  math.randomseed(first * 7919 + 17)
  turn = first
end

function delay()
  -- every connection of every thread sends rate / connections requests a second
  local period = 1000 * connections / rate
  -- a little under the period: the answer itself takes some of each connection's turn
  return math.floor(0.93 * period * (0.5 + math.random()))
end

function request()
  turn = turn + #threads
  local learner = learners[turn % #learners + 1]
  if math.random() < share then
    return wrk.format("GET", learner.path, { ["Cookie"] = "sessionid=" .. learner.session })
  end
  return wrk.format(
    "POST",
    "/api/v1/study/heartbeat",
    { ["Content-Type"] = "application/json" },
    '{"ticket":"' .. learner.ticket .. '","position_seconds":60,"playing":true}'
  )
end

failures = 0
first_failure = ""
function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
    if first_failure == "" then first_failure = status .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local failed, example = 0, ""
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("failures") or 0)
    if example == "" then example = thread:get("first_failure") or "" end
  end
  io.write(string.format("FAILURES %d %s\n", failed, example))
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f "
      .. "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
