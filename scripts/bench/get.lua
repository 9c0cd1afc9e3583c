-- wrk script: GET /api/bench/key-<i>, i uniformly random in [0, N) (the keys preload.py wrote).
-- Usage: wrk -s get.lua URL -- N
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local nkeys = 1000

function init(args)
  nkeys = tonumber(args[1]) or nkeys
  math.randomseed(os.time() * 100 + tid)
end

function request()
  return wrk.format("GET", "/api/bench/key-" .. math.random(0, nkeys - 1))
end
