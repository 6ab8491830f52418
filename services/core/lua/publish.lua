-- Stores one message and fans it out, atomically, in one round trip.
-- KEYS: meta, log, cid. ARGV[1..3]: as room-init.lua. Then: max history, client id ('' for none),
-- body (the JSON object's members after epoch and offset, with its closing brace),
-- channel, idempotency window, publish command (PUBLISH or SPUBLISH), author ('' when the nick
-- is the author: kept beside the payload for edit and delete rights, never sent to clients), renew
-- ('*' to renew the room's expiry, see publish-core.lua).
-- Returns {epoch, offset, duplicate(0|1), stored payload of the duplicate or nothing}.
return publish_message(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[4], ARGV[8], ARGV[5], ARGV[6], ARGV[7], ARGV[10] or '', ARGV[9], ARGV[11])
