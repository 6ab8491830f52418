-- Keeps a room with members alive: its keys get the room ttl again (a room forgets itself
-- ROOM_TTL_MS after its last write or its last member). KEYS: every key of the room's messages.
-- ARGV: room ttl ms. Returns how many keys exist.
local kept = 0
for _, key in ipairs(KEYS) do kept = kept + redis.call('PEXPIRE', key, ARGV[1]) end
return kept
