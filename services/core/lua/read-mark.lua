-- Moves a reader's position forward (never backwards, at most the head); with ARGV[5] = -1 only
-- reads it. The stored value is '<epoch> <offset>': a position of another epoch counts as 0.
-- Counts the messages after it in this epoch without reading them: the offsets after it, less
-- the edit and delete entries among them (amend.lua keeps their offsets, marked with the epoch).
-- KEYS: meta, log, cid, reads (hash reader -> position), amends (zset of entry offsets).
-- ARGV[1..3]: as room-init.lua. Then: reader, offset. Returns {epoch, head offset, read offset, unread, moved(0|1)}.
local epoch, head = room_epoch()
local read = 0
local stored = redis.call('HGET', KEYS[4], ARGV[4])
if stored then
  local storedEpoch, storedOffset = string.match(stored, '^(%S+) (%d+)$')
  if storedEpoch == epoch then read = tonumber(storedOffset) end
end
local moved = 0
local wanted = math.min(tonumber(ARGV[5]), head)
if wanted > read then
  read = wanted
  moved = 1
  redis.call('HSET', KEYS[4], ARGV[4], epoch .. ' ' .. read)
  expire_room(KEYS[4])
end
local amends = 0
if redis.call('ZSCORE', KEYS[5], 'epoch:' .. epoch) then amends = redis.call('ZCOUNT', KEYS[5], read + 1, '+inf') end
return {epoch, head, read, head - read - amends, moved}
