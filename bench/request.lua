-- wrk script: POSTs the JSON body in the file named by $BODY to the URL wrk was given,
-- or GETs the path in the file named by $SHAPE on that server; prints one RESULT line.
local body, shape = os.getenv("BODY"), os.getenv("SHAPE")
if body then
  local f = assert(io.open(body, "r"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
else
  local f = assert(io.open(shape, "r"))
  wrk.method = "GET"
  wrk.path = f:read("*l")
  f:close()
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT req/s=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
