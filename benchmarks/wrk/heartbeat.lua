-- wrk script: POST /api/v1/study/heartbeat as many learners, one study ticket each.
-- TICKETS names a file of tickets, one a line; each wrk thread starts at its own place in
-- the list so that two threads rarely beat for one learner at the same moment.
local tickets = {}
for line in io.lines(os.getenv("TICKETS")) do
  if #line > 0 then tickets[#tickets + 1] = line end
end

local threads = 0
function setup(thread)
  thread:set("offset", threads * math.floor(#tickets / 2))
  threads = threads + 1
end

local sent = 0
function request()
  sent = sent + 1
  local ticket = tickets[((offset or 0) + sent) % #tickets + 1]
  return wrk.format(
    "POST",
    nil,
    { ["Content-Type"] = "application/json" },
    '{"ticket":"' .. ticket .. '","position_seconds":60,"playing":true}'
  )
end
