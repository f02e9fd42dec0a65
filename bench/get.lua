-- wrk script: GETs the path in the file named by $SHAPE on the server wrk was given.
local f = assert(io.open(os.getenv("SHAPE"), "r"))
wrk.method = "GET"
wrk.path = f:read("*l")
f:close()

done = function(summary, latency, requests)
  io.write(string.format("RESULT req/s=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
