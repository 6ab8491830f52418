-- Shared prologue: the room's epoch, created (with an empty log) when the room is new or its
-- data was lost. KEYS[1] meta, KEYS[2] log, KEYS[3] cid; ARGV[1] epoch candidate.
local function room_epoch()
  local meta = redis.call('HMGET', KEYS[1], 'epoch', 'offset')
  if meta[1] then return meta[1], tonumber(meta[2]) end
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'offset', 0)
  return ARGV[1], 0
end
