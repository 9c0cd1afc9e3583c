-- wrk script: each thread PUTs exactly N unique paths /api/bench/<thread>-<i> (N from the
-- script argument), then stops. Usage: wrk -t2 -c64 -d60s -s put_n.lua URL -- N
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local quota, sent, done = 0, 0, 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  quota = tonumber(args[1])
end

function request()
  if sent >= quota then
    -- Nothing left to send: a harmless read that the response() below ignores.
    return wrk.format("GET", "/health")
  end
  sent = sent + 1
  return wrk.format("PUT", "/api/bench/" .. tid .. "-" .. sent, headers,
                    '{"n":' .. sent .. ',"name":"bench"}')
end

function response(status, headers, body)
  done = done + 1
  if done >= quota then
    wrk.thread:stop()
  end
end
