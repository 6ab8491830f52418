/** Appends to the stream exactly as publish.lua does, but without publishing: a message lost on the wire. */
export const STORE_SILENTLY = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local payload = '{"epoch":"' .. epoch .. '","offset":' .. offset .. ',' .. ARGV[1]
redis.call('XADD', KEYS[2], offset .. '-0', 'm', payload)
return offset`;
