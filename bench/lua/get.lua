-- A GET of the URL given to wrk (headers with -H); results as BENCH_RESULT.
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")
