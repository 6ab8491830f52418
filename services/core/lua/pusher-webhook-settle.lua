-- Settles leased webhook jobs: delivered ones are forgotten; failed ones wait for their retry.
-- KEYS[1]: subs. ARGV: base, now ms, number of delivered jobs, the delivered jobs, then for each
-- failed delivery (a job failed for two receivers comes twice, one retry for each): the leased job, its next attempt (JSON, with `i` and `a`), delay ms.
local now, done = tonumber(ARGV[2]), tonumber(ARGV[3])
local inflight = base .. 'wh:inflight'
for i = 4, 3 + done do redis.call('ZREM', inflight, ARGV[i]) end
for i = 4 + done, #ARGV, 3 do
  redis.call('ZREM', inflight, ARGV[i])
  do
    local retry = cjson.decode(ARGV[i + 1])
    local key = 'x\n' .. retry.i .. '\n' .. retry.a .. '\n' .. tostring(retry.t)
    redis.call('HSET', base .. 'wh:pending', key, ARGV[i + 1])
    redis.call('ZADD', base .. 'wh:delayed', now + tonumber(ARGV[i + 2]), key)
    expire(base .. 'wh:pending')
    expire(base .. 'wh:delayed')
  end
end
return 0
