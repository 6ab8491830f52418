-- Relays an ephemeral event on a room's channel; nothing is stored. A script rather than a bare
-- PUBLISH so one command name (PUBLISH or SPUBLISH) is chosen in one place, like the others.
-- KEYS: channel. ARGV: payload, publish command.
redis.call(ARGV[2], KEYS[1], ARGV[1])
return 1
