-- wrk script of scripts/bench_web.sh: one GET per request, keep-alive, path read from a file.
-- BENCH_PATH_FILE holds the path ('/sparql?query=...' or a page path); BENCH_ACCEPT the Accept header.
local file = assert(io.open(os.getenv("BENCH_PATH_FILE"), "r"))
wrk.method = "GET"
wrk.path = file:read("*a")
file:close()
wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT") or "application/sparql-results+json"

-- One JSON line wrk's caller can read: requests/s, latency percentiles (microseconds), errors.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "rps": %.2f, "p50_us": %d, "p95_us": %d, "p99_us": %d, "errors": %d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
