-- How many members a room has and at most ARGV[3] of them (every one when the count is within
-- it): the members of the nodes whose lease is live, and the visits not yet expired. Writes
-- nothing, so reading an unknown room creates no key.
-- KEYS: node set, visits zset, visits hash. ARGV: now ms, prefix of a node's member hash, limit.
-- Returns {count, {member JSON, …}}.
local limit = tonumber(ARGV[3])
local count = 0
local members = {}
for _, node in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')) do
  local key = ARGV[2] .. node
  local size = redis.call('HLEN', key)
  count = count + size
  local room_left = limit - #members
  if size > 0 and room_left > 0 then
    if size <= room_left then
      for _, json in ipairs(redis.call('HVALS', key)) do members[#members + 1] = json end
    else
      local cursor = '0'
      repeat
        local page = redis.call('HSCAN', key, cursor, 'COUNT', limit - #members)
        cursor = page[1]
        for i = 2, #page[2], 2 do
          if #members < limit then members[#members + 1] = page[2][i] end
        end
      until cursor == '0' or #members >= limit
    end
  end
end
local visits = redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf')
count = count + visits
if visits > 0 and #members < limit then
  local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'LIMIT', 0, limit - #members)
  -- In slices: unpack() of thousands of arguments overflows Lua's stack.
  for first = 1, #ids, 500 do
    for _, json in ipairs(redis.call('HMGET', KEYS[3], unpack(ids, first, math.min(first + 499, #ids)))) do
      if json then members[#members + 1] = json end
    end
  end
end
return {count, members}
