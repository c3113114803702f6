-- A visitor's GET of one page, with the headers a browser sends.
package.path = os.getenv("CHORUS_WRK_DIR") .. "/?.lua;" .. package.path
local report = require("report")

wrk.headers["Accept-Language"] = os.getenv("CHORUS_WRK_LANGUAGE") or "zh-CN,zh;q=0.9"
wrk.headers["User-Agent"] = "chorus-bench"

function done(summary, latency, requests)
  report.json(summary, latency)
end
