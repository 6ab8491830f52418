-- A page of older history: the newest `limit` messages below `before` (edit and delete entries
-- skipped), each with the latest edit or delete of it. KEYS: meta, log, cid, folds.
-- ARGV[1..3]: as room-init.lua. Then: before (-1 for the newest), limit.
-- Returns {epoch, head offset, {payload, …} oldest first, {fold payload or '', …} alongside}.
local epoch, head = room_epoch()
local before = tonumber(ARGV[4])
local limit = tonumber(ARGV[5])
local upper = '+'
if before >= 0 then
  if before <= 1 then return {epoch, head, {}, {}} end
  upper = (before - 1) .. '-0'
end
local found = {}
local rounds = 0
while #found < limit and rounds < 50 do
  rounds = rounds + 1
  local entries = redis.call('XREVRANGE', KEYS[2], upper, '-', 'COUNT', math.max(limit - #found, 100))
  if #entries == 0 then break end
  for _, entry in ipairs(entries) do
    local payload = entry[2][2]
    if #found < limit and not string.find(payload, '"target":', 1, true) then found[#found + 1] = payload end
  end
  local id = tonumber(string.match(entries[#entries][1], '^(%d+)'))
  if id <= 1 then break end
  upper = (id - 1) .. '-0'
end
local payloads, folds = {}, {}
local n = #found
for i, payload in ipairs(found) do
  payloads[n - i + 1] = payload
  local offset = string.match(payload, '"offset":(%d+)')
  folds[n - i + 1] = redis.call('HGET', KEYS[4], offset) or ''
end
return {epoch, head, payloads, folds}
