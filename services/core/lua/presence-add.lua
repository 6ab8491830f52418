-- Adds (or renames) members of this node in a room and announces the joins of the new ones.
-- Presence costs per room, not per member: each node keeps one hash of its members per room and
-- a lease on the room's node set, both refreshed by presence-refresh.lua once per interval.
-- KEYS: the room's node set (zset node id -> lease expiry ms), this node's member hash.
-- ARGV: node id, lease expiry ms, key ttl ms, channel, publish command, then for each member its
-- id and its JSON.
-- Returns how many members were new (their joins announced, several in one notice).
local joined = {}
for i = 6, #ARGV, 2 do
  if redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then joined[#joined + 1] = ARGV[i + 1] end
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if #joined == 1 then
  redis.call(ARGV[5], ARGV[4], '{"presence":"join","member":' .. joined[1] .. '}')
elseif #joined > 1 then
  redis.call(ARGV[5], ARGV[4], '{"presence":"join","members":[' .. table.concat(joined, ',') .. ']}')
end
return #joined
