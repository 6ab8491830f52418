-- Reads the positions of several readers of a room (as read-mark.lua with offset -1, which moves
-- nothing): the joins of one moment read theirs in one call.
-- KEYS: meta, log, cid, reads (hash reader -> '<epoch> <offset>'), amends (zset of entry offsets).
-- ARGV[1..3]: as room-init.lua. Then the readers.
-- Returns {epoch, head offset, {read offset, unread, …} for each reader in order}.
local epoch, head = room_epoch()
local counted = redis.call('ZSCORE', KEYS[5], 'epoch:' .. epoch)
local states = {}
for i = 4, #ARGV do
  local read = 0
  local stored = redis.call('HGET', KEYS[4], ARGV[i])
  if stored then
    local storedEpoch, storedOffset = string.match(stored, '^(%S+) (%d+)$')
    if storedEpoch == epoch then read = tonumber(storedOffset) end
  end
  local amends = 0
  if counted then amends = redis.call('ZCOUNT', KEYS[5], read + 1, '+inf') end
  states[#states + 1] = read
  states[#states + 1] = head - read - amends
end
return {epoch, head, states}
