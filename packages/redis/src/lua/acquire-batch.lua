-- Claims many occurrences in one call. Claim i has KEYS[2i-1], its occurrence's lock hash, and
-- KEYS[2i], its job's fence counter (on a Cluster every key of one call shares a hash slot).
-- ARGV[1]: lifetime in ms, ARGV[i+1]: claim i's random token. Returns one reply per claim: the new
-- fence as a string when claimed, 0 when the occurrence is claimed already (a loser costs one EXISTS).
local life = ARGV[1]
local replies = {}
local at
for i = 1, #KEYS / 2 do
  local key = KEYS[2 * i - 1]
  if redis.call('EXISTS', key) == 1 then
    replies[i] = 0
  else
    if at == nil then
      local time = redis.call('TIME')
      at = time[1] * 1000 + math.floor(time[2] / 1000)
    end
    replies[i] = tostring(redis.call('INCR', KEYS[2 * i]))
    redis.call('HSET', key, 'token', ARGV[i + 1], 'at', at)
    redis.call('PEXPIRE', key, life)
  end
end
return replies
