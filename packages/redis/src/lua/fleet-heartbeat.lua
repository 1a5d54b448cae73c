-- A fleet heartbeat, or a read of the fleet. KEYS[1]: the replicas hash, KEYS[2]: the paused set
-- (same hash slot). ARGV[1]: the replica's id, or '' to only read; ARGV[2]: its description (JSON);
-- ARGV[3]: how long it stays listed, in ms. A replica is the field `<id>` holding
-- `<expires ms> <last seen ms> <description>`, both times the server's. The hash itself expires
-- with its longest-lived replica, so a fleet that is gone leaves nothing behind.
-- Returns { server ms, { id, value, ... } of the live replicas, { paused job names } }; expired
-- (or unreadable) replicas are deleted on the way.
local time = redis.call('TIME')
local now = time[1] * 1000 + math.floor(time[2] / 1000)
if ARGV[1] ~= '' then
  local ttl = tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d %d ', now + ttl, now) .. ARGV[2])
  if redis.call('PTTL', KEYS[1]) < ttl then
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
end
local entries = redis.call('HGETALL', KEYS[1])
local live, gone = {}, {}
for i = 1, #entries, 2 do
  local value = entries[i + 1]
  if (tonumber(string.match(value, '^%d+')) or 0) > now then
    live[#live + 1] = entries[i]
    live[#live + 1] = value
  else
    gone[#gone + 1] = entries[i]
  end
end
for i = 1, #gone, 1000 do
  redis.call('HDEL', KEYS[1], unpack(gone, i, math.min(i + 999, #gone)))
end
return { now, live, redis.call('SMEMBERS', KEYS[2]) }
