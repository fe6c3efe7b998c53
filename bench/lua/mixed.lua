-- A mix of requests in turn, from the file in BENCH_MIX, one per line, tab-separated:
--   METHOD  PATH  AUTHORIZATION  [BODY TEMPLATE FILE]
-- A POST's body is about another call each time (see common.lua).
dofile((os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/common.lua")

local mix = {}
local next_index = 1

function init(args)
   for line in io.lines(os.getenv("BENCH_MIX")) do
      local fields = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do
         table.insert(fields, field)
      end
      if #fields >= 3 then
         local item = {method = fields[1], path = fields[2], auth = fields[3]}
         if fields[4] and fields[4] ~= "" then
            item.template = bench.read(fields[4])
         end
         table.insert(mix, item)
      end
   end
   assert(#mix > 0, "BENCH_MIX lists no request")
end

function request()
   local item = mix[next_index]
   next_index = next_index % #mix + 1
   local headers = {Authorization = item.auth}
   if item.template then
      headers["Content-Type"] = "application/json"
      return wrk.format(item.method, item.path, headers, bench.body(item.template, bench.next_number()))
   end
   return wrk.format(item.method, item.path, headers)
end
