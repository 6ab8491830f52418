-- Stores one message of a room and fans it out (included by publish.lua and publish-many.lua,
-- after room-init.lua). The client id record: ZADD NX claims the cid for the new offset in one
-- command and the score is read only when the cid was already there (a duplicate); the set is
-- trimmed to the window by rank only on every CID_TRIM_EVERY-th offset, so it holds at most
-- window + CID_TRIM_EVERY ids (a cid a little older than the window may still count as seen).
-- `renew` '*' (or absent) gives every key of the room the ttl again. Otherwise this node renewed
-- the room's keys recently (RoomTtlRenewals), so only a key this publish may have created gets
-- the ttl: every key of a new or reset room (head 0: the log is created now), and the cid set
-- unless `renew` is the room's epoch (the node saw the set exist with a fresh ttl in this epoch;
-- only a reset, which changes the epoch, or a trim to an empty window removes it). Every key
-- still expires: the meta and the log had the ttl already.
-- Returns {epoch, offset, duplicate(0|1), stored payload of the duplicate or nothing}.
local CID_TRIM_EVERY = 32

local function publish_message(meta_key, log_key, cid_key, candidate, history, window, cid, body, channel, author, publish, renew)
  local epoch, head = room_epoch(meta_key, log_key, cid_key, candidate)
  local offset = head + 1
  if cid ~= '' and redis.call('ZADD', cid_key, 'NX', offset, cid) == 0 then
    local seen = redis.call('ZSCORE', cid_key, cid)
    local entry = redis.call('XRANGE', log_key, seen .. '-0', seen .. '-0')
    if entry[1] then return {epoch, tonumber(seen), 1, entry[1][2][2]} end
    return {epoch, tonumber(seen), 1}
  end
  redis.call('HSET', meta_key, 'offset', offset)
  local payload = '{"epoch":"' .. epoch .. '","offset":' .. offset .. ',' .. body
  if author ~= '' then
    redis.call('XADD', log_key, 'MAXLEN', history, offset .. '-0', 'm', payload, 'a', author)
  else
    redis.call('XADD', log_key, 'MAXLEN', history, offset .. '-0', 'm', payload)
  end
  if offset % CID_TRIM_EVERY == 0 then
    redis.call('ZREMRANGEBYRANK', cid_key, 0, -(tonumber(window) + 1))
  end
  if renew == nil or renew == '*' or head == 0 then
    expire_room(meta_key, log_key, cid_key)
  elseif cid ~= '' and (renew ~= epoch or tonumber(window) < 1) then
    expire_room(cid_key)
  end
  redis.call(publish, channel, payload)
  return {epoch, offset, 0}
end
