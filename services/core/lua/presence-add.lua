-- Adds or refreshes a presence entry; announces a join when the member was not present.
-- KEYS: presence zset (member -> expiry ms), presence data hash. ARGV: member id, expiry ms,
-- member JSON, channel, publish command, key ttl ms.
local existed = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
if existed then return 0 end
redis.call(ARGV[5], ARGV[4], '{"presence":"join","member":' .. ARGV[3] .. '}')
return 1
