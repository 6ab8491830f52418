-- Publishes a payload to a channel's nodes, in one round trip with what goes with it: the frame
-- kept as a cache channel's last event, and a webhook (client_event) queued.
-- KEYS[1]: subs. ARGV: base, channel, payload, publish command, cache frame ('' = none),
-- cache ttl ms, webhook event JSON ('' = none).
local channel = ARGV[2]
if ARGV[5] ~= '' then redis.call('SET', base .. 'cache:' .. channel, ARGV[5], 'PX', ARGV[6]) end
if ARGV[7] ~= '' then enqueue(cjson.decode(ARGV[7])) end
return redis.call(ARGV[4], base .. 'ch:' .. channel, ARGV[3])
