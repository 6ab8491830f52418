-- Shared prologue of the Pusher scripts. Every key of an app is named from its key base
-- (`<prefix>pusher:{<app id>}:`, one hash tag, so one cluster slot), given as ARGV[1]; KEYS[1] is
-- the app's subscription-count hash, so a cluster client routes the script to that slot.
-- Keys: subs (channel -> sockets in the cluster), users:<channel> (user -> sockets),
-- info:<channel> (user -> user_info JSON), node:<id>:subs (channel -> sockets on that node),
-- node:<id>:users (channel \n user -> sockets on that node), nodes (zset id -> heartbeat expiry),
-- conns (node -> connections), cache:<channel>, wh:ready (list), wh:delayed (zset key -> due),
-- wh:pending (hash key -> job), wh:inflight (zset job -> lease end), wh:seq; channel ch:<channel>.
local base = ARGV[1]
local KEY_TTL_MS = 86400000

local function expire(key, ms)
  redis.call('PEXPIRE', key, ms or KEY_TTL_MS)
end

local function new_job(event)
  local id = redis.call('INCR', base .. 'wh:seq')
  expire(base .. 'wh:seq')
  return cjson.encode({ i = id, a = 0, e = event })
end

local function enqueue(event)
  redis.call('RPUSH', base .. 'wh:ready', new_job(event))
  expire(base .. 'wh:ready')
end

-- A webhook that fires after `delay` ms unless cancelled (a vacated channel re-occupied meanwhile).
local function enqueue_later(key, event, due)
  redis.call('HSET', base .. 'wh:pending', key, new_job(event))
  redis.call('ZADD', base .. 'wh:delayed', due, key)
  expire(base .. 'wh:pending')
  expire(base .. 'wh:delayed')
end

local function cancel_later(key)
  if redis.call('ZREM', base .. 'wh:delayed', key) == 1 then
    redis.call('HDEL', base .. 'wh:pending', key)
    return true
  end
  return false
end

local function removed_frame(channel, user)
  return '\n{"event":"pusher_internal:member_removed","channel":' .. cjson.encode(channel)
    .. ',"data":' .. cjson.encode(cjson.encode({ user_id = user })) .. '}'
end

-- `n` sockets of `user` left `channel`: the user leaves when it was their last.
local function user_down(channel, user, n, publish, webhooks, due)
  local users = base .. 'users:' .. channel
  if redis.call('HINCRBY', users, user, -n) > 0 then return end
  redis.call('HDEL', users, user)
  redis.call('HDEL', base .. 'info:' .. channel, user)
  redis.call(publish, base .. 'ch:' .. channel, removed_frame(channel, user))
  if webhooks then
    enqueue_later('r\n' .. channel .. '\n' .. user, { name = 'member_removed', channel = channel, user_id = user }, due)
  end
end

-- `n` sockets left `channel`: vacated when they were its last in the cluster.
local function channel_down(channel, n, webhooks, due)
  if redis.call('HINCRBY', base .. 'subs', channel, -n) > 0 then return end
  redis.call('HDEL', base .. 'subs', channel)
  if webhooks then enqueue_later('v\n' .. channel, { name = 'channel_vacated', channel = channel }, due) end
end
