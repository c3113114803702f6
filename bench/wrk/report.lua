-- Shared by every wrk run of the HTTP benchmark: print one JSON line the Python side reads.
-- Latencies in microseconds; "status_errors" counts answers outside 2xx/3xx.

local report = {}

function report.json(summary, latency, extra)
  local seconds = summary.duration / 1e6
  local parts = {
    string.format('"requests": %d', summary.requests),
    string.format('"seconds": %.6f', seconds),
    string.format('"rate": %.2f', summary.requests / seconds),
    string.format('"p50_us": %d', latency:percentile(50)),
    string.format('"p95_us": %d', latency:percentile(95)),
    string.format('"p99_us": %d', latency:percentile(99)),
    string.format('"mean_us": %.1f', latency.mean),
    string.format('"status_errors": %d', summary.errors.status),
    string.format('"socket_errors": %d',
      summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout),
  }
  for key, value in pairs(extra or {}) do
    parts[#parts + 1] = string.format('"%s": %s', key, value)
  end
  io.write("CHORUS-WRK " .. "{" .. table.concat(parts, ", ") .. "}\n")
end

return report
