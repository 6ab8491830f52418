-- Reads a room's position and, when limit > 0, messages: after an offset (ARGV[4] >= 0) or the
-- latest ones (ARGV[4] = -1), oldest first. KEYS: meta, log, cid. ARGV[1..3]: as room-init.lua;
-- then after, limit,
-- and for a node's own backfill: the epoch it is in (ARGV[6]) and the payload it delivered at
-- `after` (ARGV[7], '' when unknown). When that epoch no longer reaches `after`, or holds another
-- message there, writes were lost (a failover dropped what was not yet replicated): the room gets
-- a new epoch rather than reusing offsets its subscribers already saw.
-- Returns {epoch, head offset, {payload, …}}.
local epoch, offset = room_epoch()
local limit = tonumber(ARGV[5])
local after = tonumber(ARGV[4])
if ARGV[6] and ARGV[6] == epoch and after > 0 then
  local lost = offset < after
  if not lost and ARGV[7] ~= '' then
    local entry = redis.call('XRANGE', KEYS[2], after .. '-0', after .. '-0')
    lost = entry[1] ~= nil and entry[1][2][2] ~= ARGV[7]
  end
  if lost then
    redis.call('DEL', KEYS[2], KEYS[3])
    redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'offset', 0)
    expire_room(KEYS[1])
    return {ARGV[1], 0, {}}
  end
end
local payloads = {}
if limit > 0 then
  if after >= 0 then
    local entries = redis.call('XRANGE', KEYS[2], (after + 1) .. '-0', '+', 'COUNT', limit)
    for i, entry in ipairs(entries) do payloads[i] = entry[2][2] end
  else
    local entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', limit)
    local n = #entries
    for i, entry in ipairs(entries) do payloads[n - i + 1] = entry[2][2] end
  end
end
return {epoch, offset, payloads}
