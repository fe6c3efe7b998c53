-- POSTs the JSON template in BENCH_BODY, each request about another call (see common.lua).
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")

local template

function init(args)
   template = bench.read(os.getenv("BENCH_BODY"))
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   return wrk.format(nil, nil, nil, bench.body(template, bench.next_number()))
end
