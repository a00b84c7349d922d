-- wrk script for `make bench-pages`: counts answers that are not the whole page asked for
-- (a status other than 200, a redirect to the sign-in page, a body without its marker or cut short),
-- and prints one JSON line with the throughput and latency percentiles.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   marker = args[1]
   ending = args[2]
   good, bad = 0, 0
end

function response(status, headers, body)
   if status == 200 and body:find(marker, 1, true) and body:find(ending, 1, true) then
      good = good + 1
   else
      bad = bad + 1
   end
end

function done(summary, latency, requests)
   local good_total, bad_total = 0, 0
   for _, thread in ipairs(threads) do
      good_total = good_total + thread:get("good")
      bad_total = bad_total + thread:get("bad")
   end
   local errors = summary.errors
   io.write(string.format(
      '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "good": %d, "bad": %d, ' ..
      '"socket_errors": %d, "bytes": %d}\n',
      summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
      good_total, bad_total, errors.connect + errors.read + errors.write + errors.timeout + errors.status,
      summary.bytes))
end
