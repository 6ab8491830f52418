-- Removes a presence entry and announces the leave. KEYS: presence zset, presence data hash.
-- ARGV: member id, channel, publish command.
local json = redis.call('HGET', KEYS[2], ARGV[1])
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if json then redis.call(ARGV[3], ARGV[2], '{"presence":"leave","member":' .. json .. '}') end
return 1
