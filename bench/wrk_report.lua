-- wrk script for the benches: prints one JSON object with throughput, latency and errors.
-- With WRK_REQUESTS naming a file of "path<TAB>token" lines, requests cycle through them, each
-- with its own bearer token; otherwise wrk sends its one URL with the -H headers given.
local requests_file = os.getenv("WRK_REQUESTS")
if requests_file then
  local lines = {}
  for line in io.lines(requests_file) do
    local path, token = line:match("([^\t]+)\t(.+)")
    lines[#lines + 1] = {path = path, token = token}
  end
  local counter = 0

  request = function()
    counter = counter + 1
    local entry = lines[(counter % #lines) + 1]
    return wrk.format("GET", entry.path, {
      ["Authorization"] = "Bearer " .. entry.token,
      ["X-Forwarded-Proto"] = "https",
    })
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    '{"requests": %d, "duration_s": %.3f, "requests_per_s": %.1f, '
    .. '"latency_ms": {"p50": %.2f, "p90": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f}, '
    .. '"errors": {"total": %d, "non_2xx": %d, "timeout": %d, "connect": %d}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    errors, summary.errors.status, summary.errors.timeout, summary.errors.connect))
end
