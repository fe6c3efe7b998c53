-- Shared by the benchmark's wrk scripts (loaded with dofile from each of them).
--
-- done() prints one line, BENCH_RESULT {json}, that bench/wrk.py reads: requests, duration,
-- latency percentiles (microseconds), errors, and how many distinct call numbers the threads
-- used (ids_used), so the next run starts past them.
--
-- bench.next_number() gives each request its own number: BENCH_OFFSET, then on, interleaved
-- across BENCH_THREADS threads; modulo BENCH_POOL when set (the calls seeded for it).

bench = {
   threads = tonumber(os.getenv("BENCH_THREADS") or "1"),
   offset = tonumber(os.getenv("BENCH_OFFSET") or "0"),
   pool = tonumber(os.getenv("BENCH_POOL") or "0"),
}
counter = 0 -- global: read by done() through thread:get

local threads = {}

function setup(thread)
   thread:set("thread_index", #threads)
   table.insert(threads, thread)
end

function bench.next_number()
   local n = bench.offset + counter * bench.threads + (thread_index or 0)
   counter = counter + 1
   if bench.pool > 0 then
      n = n % bench.pool
   end
   return n
end

function bench.read(path)
   local file = assert(io.open(path, "rb"), "cannot read " .. tostring(path))
   local text = file:read("*a")
   file:close()
   return text
end

-- The request body for call number n: the template with its call ids filled in.
function bench.body(template, n)
   local provider_id = string.format(os.getenv("BENCH_PROVIDER_ID_FORMAT"), n)
   local body = template:gsub("__VAPI_CALL_ID__", provider_id)
   local our_format = os.getenv("BENCH_OUR_ID_FORMAT")
   if our_format and our_format ~= "" then
      body = body:gsub("__OUR_CALL_ID__", string.format(our_format, n))
   end
   return body
end

function done(summary, latency, requests)
   local most = 0
   for _, thread in ipairs(threads) do
      local used = thread:get("counter") or 0
      if used > most then
         most = used
      end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,' ..
      '"p99_us":%d,"max_us":%d,"mean_us":%.1f,"errors_connect":%d,"errors_read":%d,' ..
      '"errors_write":%d,"errors_status":%d,"errors_timeout":%d,"ids_used":%d}\n',
      summary.requests, summary.duration, summary.bytes, latency:percentile(50),
      latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      e.connect, e.read, e.write, e.status, e.timeout, most * bench.threads))
end
