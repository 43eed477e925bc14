-- wrk script for B2 (bench/b2_clearance.py writes the bodies and runs wrk).
--   wrk -s bench/b2_clearance.lua URL -- BODIES_FILE
-- POSTs one JSON body per request, each thread taking every n-th line of BODIES_FILE from its
-- own offset, so that no two requests carry the same trip. At the end it prints one line,
-- "B2RESULT {json}", with requests, errors, seconds and latency percentiles in microseconds.

local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    table.insert(bodies, line)
  end
  step = count
  index = id + 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[index]
  index = index + step
  if index > #bodies then
    index = id + 1
  end
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'B2RESULT {"requests": %d, "errors": %d, "status_errors": %d, "seconds": %.3f, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "mean": %.1f, "max": %d}\n',
    summary.requests, errors, summary.errors.status, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max))
end
