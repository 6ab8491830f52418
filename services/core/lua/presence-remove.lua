-- Removes one member from a member hash (a node's, or the visits') and announces the leave.
-- KEYS: the member hash, the visits zset (the member's expiry there, when it is a visit).
-- ARGV: member id, channel, publish command. Returns 1 when the member was there, else 0.
local json = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if not json then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call(ARGV[3], ARGV[2], '{"presence":"leave","member":' .. json .. '}')
return 1
