-- Stores one message and fans it out, atomically, in one round trip.
-- KEYS: meta, log, cid. ARGV[1..3]: as room-init.lua. Then: max history, client id ('' for none),
-- body (the JSON object's members after epoch and offset, with its closing brace),
-- channel, idempotency window, publish command (PUBLISH or SPUBLISH), author ('' when the nick
-- is the author: kept beside the payload for edit and delete rights, never sent to clients).
-- Returns {epoch, offset, duplicate(0|1), stored payload of the duplicate or nothing}.
local epoch = room_epoch()
local cid = ARGV[5]
if cid ~= '' then
  local seen = redis.call('ZSCORE', KEYS[3], cid)
  if seen then
    local entry = redis.call('XRANGE', KEYS[2], seen .. '-0', seen .. '-0')
    if entry[1] then return {epoch, tonumber(seen), 1, entry[1][2][2]} end
    return {epoch, tonumber(seen), 1}
  end
end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local payload = '{"epoch":"' .. epoch .. '","offset":' .. offset .. ',' .. ARGV[6]
if ARGV[10] and ARGV[10] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], offset .. '-0', 'm', payload, 'a', ARGV[10])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], offset .. '-0', 'm', payload)
end
if cid ~= '' then
  redis.call('ZADD', KEYS[3], offset, cid)
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[8]) + 1))
end
expire_room(KEYS[1], KEYS[2], KEYS[3])
redis.call(ARGV[9], ARGV[7], payload)
return {epoch, offset, 0}
