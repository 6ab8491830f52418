-- Adds (or renames) a member of this node in a room and announces a join when it is new.
-- Presence costs per room, not per member: each node keeps one hash of its members per room and
-- a lease on the room's node set, both refreshed by presence-refresh.lua once per interval.
-- KEYS: the room's node set (zset node id -> lease expiry ms), this node's member hash.
-- ARGV: node id, member id, member JSON, lease expiry ms, key ttl ms, channel, publish command.
-- Returns 1 when the member is new (a join was announced), else 0.
local existed = redis.call('HEXISTS', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if existed == 1 then return 0 end
redis.call(ARGV[7], ARGV[6], '{"presence":"join","member":' .. ARGV[3] .. '}')
return 1
