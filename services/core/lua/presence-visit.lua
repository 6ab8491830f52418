-- Announces a member that comes back now and then (a long-poll client) for a while: unlike a
-- node's members, each visit has its own expiry; a visit again extends it.
-- KEYS: the room's visits zset (member id -> expiry ms), visits hash (member id -> JSON).
-- ARGV: member id, expiry ms, member JSON, key ttl ms, channel, publish command.
-- Returns 1 when the member is new (a join was announced), else 0.
local existed = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if existed then return 0 end
redis.call(ARGV[6], ARGV[5], '{"presence":"join","member":' .. ARGV[3] .. '}')
return 1
