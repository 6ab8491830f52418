-- A node leaves a room at once (a clean stop): its member hash and lease go, one batched leave.
-- KEYS: node set, this node's member hash. ARGV: node id, channel, publish command.
-- Returns how many members left.
local members = redis.call('HVALS', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
if #members > 0 then
  redis.call(ARGV[3], ARGV[2], '{"presence":"leave","members":[' .. table.concat(members, ',') .. ']}')
end
return #members
