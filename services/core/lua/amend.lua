-- Edits or deletes a stored message: a new stream entry with its own offset, fanned out like a
-- message, idempotent by client id; the target's latest version is kept for folded history pages.
-- KEYS: meta, log, cid, folds (hash target -> latest edit/delete payload), amends (zset of the
-- offsets of edit and delete entries, the last `max history` of them, and a member naming the
-- epoch they belong to: read-mark.lua counts unread messages with it).
-- ARGV[1..3]: as room-init.lua. Then: max history, client id ('' for none), target offset, requester,
-- moderator ('1'|'0'), body (members after epoch, offset and target, with the closing brace),
-- channel, idempotency window, publish command.
-- Returns {epoch, offset, duplicate(0|1), stored payload of a duplicate} or {epoch, 0, -1, error code}.
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
local target = ARGV[6]
local found = redis.call('XRANGE', KEYS[2], target .. '-0', target .. '-0')[1]
if not found then return {epoch, 0, -1, 'not_found'} end
local fields = found[2]
local original = fields[2]
if string.find(original, '"target":', 1, true) then return {epoch, 0, -1, 'not_found'} end
local latest = redis.call('HGET', KEYS[4], target)
if latest and string.find(latest, '"epoch":"' .. epoch .. '"', 1, true) and string.find(latest, '"kind":"delete"', 1, true) then
  return {epoch, 0, -1, 'not_found'}
end
local author = fields[4]
if not author then author = cjson.decode(original).nick end
if ARGV[8] ~= '1' and author ~= ARGV[7] then return {epoch, 0, -1, 'forbidden'} end
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local payload = '{"epoch":"' .. epoch .. '","offset":' .. offset .. ',"target":' .. target .. ',' .. ARGV[9]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], offset .. '-0', 'm', payload, 'a', ARGV[7])
redis.call('HSET', KEYS[4], target, payload)
local marker = 'epoch:' .. epoch
if not redis.call('ZSCORE', KEYS[5], marker) then
  redis.call('DEL', KEYS[5])
  redis.call('ZADD', KEYS[5], 0, marker)
end
redis.call('ZADD', KEYS[5], offset, offset)
redis.call('ZREMRANGEBYRANK', KEYS[5], 1, -(tonumber(ARGV[4]) + 2))
if cid ~= '' then
  redis.call('ZADD', KEYS[3], offset, cid)
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[11]) + 1))
end
expire_room(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
redis.call(ARGV[12], ARGV[10], payload)
return {epoch, offset, 0}
