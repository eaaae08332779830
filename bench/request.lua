-- wrk script: POSTs one chat completion per request and prints a machine-readable summary.
-- Environment: BENCH_KEY (tenant key), BENCH_BODY (request body), BENCH_HEADERS (extra "Name: value;..."), BENCH_LABEL.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end
local extra = os.getenv("BENCH_HEADERS") or ""
for name, value in string.gmatch(extra, "([^:;]+):%s*([^;]+)") do
  wrk.headers[name] = value
end

local bad = 0
function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %s rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d non200=%d\n",
    os.getenv("BENCH_LABEL") or "", summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
