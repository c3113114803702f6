-- Members signing one case: each request is a different, already logged-in member (one line
-- of CHORUS_WRK_MEMBERS each: cookie, CSRF token, version hash, tab-separated). Each thread
-- takes every n-th member; once its members are used up and answered it stops and leaves a
-- file in CHORUS_WRK_DONE_DIR, and the caller then ends wrk with SIGINT (wrk otherwise runs
-- its whole -d). Until a thread's last answer arrives its idle connections ask for /livez
-- (counted apart: they are not signatures). The rate is signatures over the time from the
-- first request sent to the last signature answered.
package.path = os.getenv("CHORUS_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")
local now = require("clock")

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local total = tonumber(os.getenv("CHORUS_WRK_THREADS"))
  path = os.getenv("CHORUS_WRK_PATH")
  members, next_member, signed, other = {}, 1, 0, 0
  started, finished = 0, 0
  local index = 0
  for line in io.lines(os.getenv("CHORUS_WRK_MEMBERS")) do
    if index % total == id then
      local cookie, token, version = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
      members[#members + 1] = {cookie = cookie, body = "csrf_token=" .. token ..
        "&version_sha256=" .. version .. "&facts_confirmed=y&share_identity=pseudonym"}
    end
    index = index + 1
  end
end

function request()
  if id == 0 and not checked then
    -- wrk calls the first thread's request() once before the run, to check what it returns:
    -- that call must not use up a member
    checked = true
    return wrk.format("GET", "/livez")
  end
  local member = members[next_member]
  if member == nil then
    exhausted_at = exhausted_at or now()
    return wrk.format("GET", "/livez")
  end
  if started == 0 then
    started = now()
  end
  next_member = next_member + 1
  return wrk.format("POST", path, {
    ["Cookie"] = member.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "chorus-bench",
  }, member.body)
end

local function finish()
  if stopped then
    return
  end
  stopped = true
  local marker = io.open(os.getenv("CHORUS_WRK_DONE_DIR") .. "/thread-" .. id, "w")
  marker:write("done\n")
  marker:close()
  wrk.thread:stop()
end

function response(status, headers, body)
  if status == 302 then
    signed = signed + 1
    finished = now()
  elseif status ~= 200 then
    other = other + 1
    finished = now()
  end
  -- a request lost with its connection is never answered: give up 10 s after the last send
  if signed + other >= #members or (exhausted_at and now() - exhausted_at > 10) then
    finish()
  end
end

function done(summary, latency, requests)
  local signed_total, other_total, first, last = 0, 0, math.huge, 0
  for _, thread in ipairs(threads) do
    signed_total = signed_total + thread:get("signed")
    other_total = other_total + thread:get("other")
    first = math.min(first, thread:get("started"))
    last = math.max(last, thread:get("finished"))
  end
  report.json(summary, latency, {
    signed = signed_total,
    refused = other_total,
    signing_seconds = string.format("%.6f", last - first),
  })
end
