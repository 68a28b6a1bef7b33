-- wrk script for the receiver benchmark: POSTs one fixed, validly signed GitHub pull_request delivery.
-- GitHub signs only the body, so the signature is computed once (run.sh passes it in INLET_BENCH_SIGNATURE) while
-- each request gets its own X-GitHub-Delivery, as real deliveries do.
-- Usage: wrk -t2 -c64 -d20s -s wrk-github.lua http://127.0.0.1:8080/webhooks/receiverbench/bench-github
local body_path = os.getenv("INLET_BENCH_BODY") or "pull_request.json"
local file = assert(io.open(body_path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "GitHub-Hookshot/bench"
wrk.headers["X-GitHub-Event"] = "pull_request"
wrk.headers["X-GitHub-Hook-Installation-Target-Type"] = "repository"
wrk.headers["X-Hub-Signature-256"] = assert(os.getenv("INLET_BENCH_SIGNATURE"), "set INLET_BENCH_SIGNATURE")

local counter = 0
local prefix = ""
not_accepted = 0  -- global: done() reads it from each thread

local threads = {}

function setup(thread)
  thread:set("id", tostring(#threads + 1) .. "-" .. tostring(math.random(1, 1e9)))
  table.insert(threads, thread)
end

function init(args)
  prefix = "bench-" .. id .. "-"
end

function request()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = prefix .. counter
  return wrk.format()
end

function response(status, headers, body)
  if status ~= 202 then not_accepted = not_accepted + 1 end
end

function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do refused = refused + thread:get("not_accepted") end
  io.write(string.format("requests not answered 202: %d\n", refused))
  io.write(string.format("p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
