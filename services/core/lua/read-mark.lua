-- Moves a reader's position forward (never backwards, at most the head); with ARGV[3] = -1 only
-- reads it. The stored value is '<epoch> <offset>': a position of another epoch counts as 0.
-- Counts the messages after it (edit and delete entries not counted, at most ARGV[4] scanned).
-- KEYS: meta, log, cid, reads (hash reader -> position). ARGV: epoch candidate, reader, offset, scan limit.
-- Returns {epoch, head offset, read offset, unread, moved(0|1)}.
local epoch, head = room_epoch()
local read = 0
local stored = redis.call('HGET', KEYS[4], ARGV[2])
if stored then
  local storedEpoch, storedOffset = string.match(stored, '^(%S+) (%d+)$')
  if storedEpoch == epoch then read = tonumber(storedOffset) end
end
local moved = 0
local wanted = math.min(tonumber(ARGV[3]), head)
if wanted > read then
  read = wanted
  moved = 1
  redis.call('HSET', KEYS[4], ARGV[2], epoch .. ' ' .. read)
end
local unread = 0
if read < head then
  local entries = redis.call('XRANGE', KEYS[2], (read + 1) .. '-0', '+', 'COUNT', tonumber(ARGV[4]))
  for _, entry in ipairs(entries) do
    if not string.find(entry[2][2], '"target":', 1, true) then unread = unread + 1 end
  end
end
return {epoch, head, read, unread, moved}
