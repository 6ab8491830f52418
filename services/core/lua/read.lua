-- Reads a room's position and, when limit > 0, messages: after an offset (ARGV[2] >= 0) or the
-- latest ones (ARGV[2] = -1), oldest first. KEYS: meta, log, cid. ARGV: epoch candidate, after, limit.
-- Returns {epoch, head offset, {payload, …}}.
local epoch, offset = room_epoch()
local limit = tonumber(ARGV[3])
local after = tonumber(ARGV[2])
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
