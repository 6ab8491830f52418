-- Counts a socket into (delta 1) or out of (delta -1) a channel, cluster-wide and per node; on
-- presence channels also its user (one member per user id however many sockets). Publishes
-- member_added / member_removed when the user's first / last socket comes / goes, and queues the
-- webhooks of the change: occupied and member_added at once (unless they cancel a pending
-- vacated / member_removed: a quick reconnect), vacated and member_removed after the delay.
-- KEYS[1]: subs. ARGV: base, node, channel, delta, user ('' = not presence), user_info JSON,
-- member_added frame, publish command, webhooks on ('1'/'0'), now ms, webhook delay ms.
-- Returns the members after a presence join, flat (id, info, id, info…); else an empty list.
local node, channel, delta, user = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local publish, webhooks, now, delay = ARGV[8], ARGV[9] == '1', tonumber(ARGV[10]), tonumber(ARGV[11])
local node_subs = base .. 'node:' .. node .. ':subs'
local node_users = base .. 'node:' .. node .. ':users'

if delta > 0 then
  local count = redis.call('HINCRBY', KEYS[1], channel, 1)
  expire(KEYS[1])
  redis.call('HINCRBY', node_subs, channel, 1)
  expire(node_subs)
  if count == 1 and webhooks and not cancel_later('v\n' .. channel) then
    enqueue({ name = 'channel_occupied', channel = channel })
  end
  if user == '' then return {} end
  local users, info = base .. 'users:' .. channel, base .. 'info:' .. channel
  redis.call('HINCRBY', node_users, channel .. '\n' .. user, 1)
  expire(node_users)
  if redis.call('HINCRBY', users, user, 1) == 1 then
    redis.call('HSET', info, user, ARGV[6])
    redis.call(publish, base .. 'ch:' .. channel, ARGV[7])
    if webhooks and not cancel_later('r\n' .. channel .. '\n' .. user) then
      enqueue({ name = 'member_added', channel = channel, user_id = user })
    end
  end
  expire(users)
  expire(info)
  return redis.call('HGETALL', info)
end

local due = now + delay
if redis.call('HINCRBY', node_subs, channel, -1) <= 0 then redis.call('HDEL', node_subs, channel) end
if user ~= '' then
  local field = channel .. '\n' .. user
  if redis.call('HINCRBY', node_users, field, -1) <= 0 then redis.call('HDEL', node_users, field) end
  user_down(channel, user, 1, publish, webhooks, due)
end
channel_down(channel, 1, webhooks, due)
return {}
