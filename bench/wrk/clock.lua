-- Wall-clock seconds with microsecond resolution (os.time counts whole seconds), through
-- LuaJIT's FFI, which wrk is built on.
local ffi = require("ffi")

pcall(ffi.cdef, [[
  typedef struct { long tv_sec; long tv_nsec; } chorus_timespec;
  int clock_gettime(int clock_id, chorus_timespec *tp);
]])

local CLOCK_MONOTONIC = 1
local now_spec = ffi.new("chorus_timespec")

return function()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_spec)
  return tonumber(now_spec.tv_sec) + tonumber(now_spec.tv_nsec) / 1e9
end
