-- A cross-node rate limit (GCRA: one token each interval, `burst` saved up), timed by the Redis
-- server's clock so every node agrees. KEYS[1] the limit's key. ARGV: interval ms, burst.
-- Returns 0 when allowed, else the milliseconds until the next token.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed_at = tat + interval - burst * interval
if allowed_at > now then return allowed_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, new_tat - now))
return 0
