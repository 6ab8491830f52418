-- Drops entries whose node stopped refreshing them, announcing each leave once, then lists the
-- members when ARGV[4] is '1'. KEYS: presence zset, presence data hash.
-- ARGV: now ms, channel, publish command, list flag. Returns the members' JSON.
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, id in ipairs(expired) do
  local json = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  if json then redis.call(ARGV[3], ARGV[2], '{"presence":"leave","member":' .. json .. '}') end
end
if ARGV[4] == '1' then return redis.call('HVALS', KEYS[2]) end
return {}
