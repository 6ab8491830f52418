-- Takes up to `max` webhook jobs for one node, leased until now + lease: first jobs whose lease
-- ran out (their node died while sending) go back to the queue, then due delayed jobs join it
-- if still true (a channel still vacant, a member still gone), then the oldest are taken.
-- KEYS[1]: subs. ARGV: base, now ms, max, lease ms. Returns the jobs (JSON).
local now, max, lease = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local ready, delayed, pending, inflight = base .. 'wh:ready', base .. 'wh:delayed', base .. 'wh:pending', base .. 'wh:inflight'

for _, job in ipairs(redis.call('ZRANGEBYSCORE', inflight, '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', inflight, job)
  redis.call('LPUSH', ready, job)
end

for _, key in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)) do
  local job = redis.call('HGET', pending, key)
  redis.call('ZREM', delayed, key)
  redis.call('HDEL', pending, key)
  local still = true
  local kind, rest = string.sub(key, 1, 1), string.sub(key, 3)
  if kind == 'v' then
    still = not redis.call('HGET', KEYS[1], rest)
  elseif kind == 'r' then
    local at = string.find(rest, '\n', 1, true)
    still = redis.call('HEXISTS', base .. 'users:' .. string.sub(rest, 1, at - 1), string.sub(rest, at + 1)) == 0
  end
  if job and still then redis.call('RPUSH', ready, job) end
end

local jobs = {}
for _ = 1, max do
  local job = redis.call('LPOP', ready)
  if not job then break end
  redis.call('ZADD', inflight, now + lease, job)
  jobs[#jobs + 1] = job
end
if #jobs > 0 then expire(inflight) expire(ready) end
return jobs
