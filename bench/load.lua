-- wrk script for bench/load.py: signed-in users browsing the dashboard, the feedback list and a
-- theme page in turn; prints one JSON line of latency percentiles and error counts at the end.
local paths = {}
local cookie = os.getenv("VOC_LOAD_COOKIE")
local counter = 0

for path in string.gmatch(os.getenv("VOC_LOAD_PATHS") or "/", "[^,]+") do
  table.insert(paths, path)
end

-- Browsing users pause between pages (VOC_LOAD_THINK_MS="1000,3000": 1 to 3 s, like locust's
-- between(1, 3)); without it every connection fires its next request at once, a saturation test.
local think_min, think_max = string.match(os.getenv("VOC_LOAD_THINK_MS") or "", "(%d+),(%d+)")

init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

delay = function()
  if think_min then
    return math.random(tonumber(think_min), tonumber(think_max))
  end
  return 0
end

request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  return wrk.format("GET", path, { ["Cookie"] = cookie })
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000
  ))
end
