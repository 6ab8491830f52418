-- A node's heartbeat for one app: records it alive until now + ttl with its connection count,
-- and sweeps every node whose heartbeat expired: their sockets leave their channels (members
-- removed, channels vacated, with webhooks) exactly as if each had left, once.
-- KEYS[1]: subs. ARGV: base, node, now ms, ttl ms, connections, publish command, webhooks on,
-- webhook delay ms. Returns {connections of the app on every live node, 1 if this node was known}.
local node, now, ttl, connections = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local publish, webhooks, delay = ARGV[6], ARGV[7] == '1', tonumber(ARGV[8])
local nodes, conns = base .. 'nodes', base .. 'conns'
local known = redis.call('ZADD', nodes, now + ttl, node) == 0
redis.call('HSET', conns, node, connections)
for _, key in ipairs({ nodes, conns, base .. 'node:' .. node .. ':subs', base .. 'node:' .. node .. ':users' }) do
  expire(key, ttl * 20)
end
expire(KEYS[1], ttl * 20)

for _, gone in ipairs(redis.call('ZRANGEBYSCORE', nodes, '-inf', now)) do
  local node_subs, node_users = base .. 'node:' .. gone .. ':subs', base .. 'node:' .. gone .. ':users'
  local users = redis.call('HGETALL', node_users)
  for i = 1, #users, 2 do
    local at = string.find(users[i], '\n', 1, true)
    user_down(string.sub(users[i], 1, at - 1), string.sub(users[i], at + 1), tonumber(users[i + 1]), publish, webhooks, now + delay)
  end
  local subs = redis.call('HGETALL', node_subs)
  for i = 1, #subs, 2 do channel_down(subs[i], tonumber(subs[i + 1]), webhooks, now + delay) end
  redis.call('DEL', node_subs, node_users)
  redis.call('ZREM', nodes, gone)
  redis.call('HDEL', conns, gone)
end

local total = 0
for _, count in ipairs(redis.call('HVALS', conns)) do total = total + tonumber(count) end
return { total, known and 1 or 0 }
