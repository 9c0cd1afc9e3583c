-- wrk script: PUT /api/bench/<thread>-<counter> with a small JSON body; every path is unique
-- within a run (fresh node per run). Usage: wrk -s put.lua URL
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local counter = 0
local headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  local body = '{"n":' .. counter .. ',"name":"bench"}'
  return wrk.format("PUT", "/api/bench/" .. tid .. "-" .. counter, headers, body)
end
