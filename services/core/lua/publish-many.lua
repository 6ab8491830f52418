-- Stores several messages (of one event-loop turn of a node) and fans each out, in one round trip;
-- on a Redis Cluster all of one slot. Each message is stored as publish.lua stores it, and one
-- message's error (a wrong key type) is its own: the others are still stored.
-- KEYS: meta, log, cid of each message, in order. ARGV[1..3]: as room-init.lua (ARGV[1] unused),
-- ARGV[4] max history, ARGV[5] idempotency window, ARGV[6] publish command, then six per message:
-- epoch candidate, client id ('' for none), body, channel, author ('' for none), renew (see publish-core.lua).
-- Returns one reply per message: publish.lua's, or an error reply.
local replies = {}
for i = 0, #KEYS / 3 - 1 do
  local k, a = i * 3, 6 + i * 6
  local ok, reply = pcall(publish_message, KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], ARGV[a + 1], ARGV[4], ARGV[5],
    ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[6], ARGV[a + 6])
  if ok then
    replies[i + 1] = reply
  else
    replies[i + 1] = redis.error_reply(type(reply) == 'table' and reply.err or tostring(reply))
  end
end
return replies
