-- One call per room per interval from each node serving it, whatever its member count: renews
-- this node's lease and member hash, then sweeps what expired: nodes whose lease ran out (their
-- hash outlives the lease so their members can be named) and visits past their expiry, at most
-- ARGV[8] nodes and ARGV[9] visits a call, announced as one batched leave.
-- KEYS: node set (zset), visits zset, visits hash, this node's member hash.
-- ARGV: now ms, node id ('' to sweep only: no member of this node is in the room), lease expiry
-- ms, key ttl ms, prefix of a node's member hash (+ node id), channel, publish command, node
-- limit, visit limit.
-- Returns {members announced as left, 1 when this node's hash was gone (swept or lost) else 0}.
local own_missing = 0
if ARGV[2] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  if redis.call('PEXPIRE', KEYS[4], ARGV[4]) == 0 then own_missing = 1 end
end
local left = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[8]))) do
  local key = ARGV[5] .. node
  for _, json in ipairs(redis.call('HVALS', key)) do left[#left + 1] = json end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], node)
end
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[9]))
if #expired > 0 then
  for _, json in ipairs(redis.call('HMGET', KEYS[3], unpack(expired))) do
    if json then left[#left + 1] = json end
  end
  redis.call('ZREM', KEYS[2], unpack(expired))
  redis.call('HDEL', KEYS[3], unpack(expired))
end
if #left > 0 then
  redis.call(ARGV[7], ARGV[6], '{"presence":"leave","members":[' .. table.concat(left, ',') .. ']}')
end
return {#left, own_missing}
