-- Shared prologue of the scripts that read or write a room's messages.
-- KEYS[1] meta, KEYS[2] log, KEYS[3] cid. ARGV[1] epoch candidate, ARGV[2] room ttl ms (0: keep
-- forever), ARGV[3] '1' to create a missing room, '0' to only read it (a read of a room that does
-- not exist writes nothing). Each script's own arguments start at ARGV[4].

-- The room's epoch and head offset; a new or lost room gets the candidate epoch (stored only when
-- creating). Without arguments: the room of KEYS[1..3] and the candidate ARGV[1] (a script that
-- handles several rooms names each room's keys and candidate).
local function room_epoch(meta_key, log_key, cid_key, candidate)
  meta_key, log_key, cid_key, candidate = meta_key or KEYS[1], log_key or KEYS[2], cid_key or KEYS[3], candidate or ARGV[1]
  local meta = redis.call('HMGET', meta_key, 'epoch', 'offset')
  if meta[1] then return meta[1], tonumber(meta[2]) end
  if ARGV[3] ~= '1' then return candidate, 0 end
  redis.call('DEL', log_key, cid_key)
  redis.call('HSET', meta_key, 'epoch', candidate, 'offset', 0)
  if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', meta_key, ARGV[2]) end
  return candidate, 0
end

-- Gives each named key of the room the room's ttl again: a room forgets itself ROOM_TTL_MS after
-- its last write (or its last member's keep-alive).
local function expire_room(...)
  local ttl = tonumber(ARGV[2])
  if ttl <= 0 then return end
  for _, key in ipairs({...}) do redis.call('PEXPIRE', key, ttl) end
end
