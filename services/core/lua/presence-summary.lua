-- Drops expired entries (announcing each leave once, as presence-sweep.lua), then answers how many
-- members there are and at most ARGV[4] of them: a big room's join reads a page, not everyone.
-- KEYS: presence zset, presence data hash. ARGV: now ms, channel, publish command, limit.
-- Returns {count, {member JSON, …}} (every member when count <= limit).
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, id in ipairs(expired) do
  local json = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  if json then redis.call(ARGV[3], ARGV[2], '{"presence":"leave","member":' .. json .. '}') end
end
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[4])
if count <= limit then return {count, redis.call('HVALS', KEYS[2])} end
local ids = redis.call('ZRANGE', KEYS[1], 0, limit - 1)
local members = {}
for i, json in ipairs(redis.call('HMGET', KEYS[2], unpack(ids))) do
  if json then members[#members + 1] = json end
end
return {count, members}
