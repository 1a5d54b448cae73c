-- Claims many occurrences in one call. Claim i has KEYS[2i-1], its occurrence's key, and KEYS[2i],
-- its job's fence counter (on a Cluster every key of one call shares a hash slot). ARGV[1]: lifetime
-- in ms, ARGV[i+1]: claim i's random token. A claim is the string `<token>:<server ms>`, made with
-- SET NX, so that a claim held elsewhere costs the server that one SET and a new one costs it two
-- calls (SET, INCR). Returns one reply per claim: the new fence as a string when claimed, 0 when
-- the occurrence is claimed already.
local life = ARGV[1]
local time = redis.call('TIME')
local at = ':' .. (time[1] * 1000 + math.floor(time[2] / 1000))
local replies = {}
for i = 1, #KEYS / 2 do
  if redis.call('SET', KEYS[2 * i - 1], ARGV[i + 1] .. at, 'NX', 'PX', life) then
    replies[i] = tostring(redis.call('INCR', KEYS[2 * i]))
  else
    replies[i] = 0
  end
end
return replies
