-- Claims one occurrence. KEYS[1]: the occurrence's lock hash, KEYS[2]: the job's fence counter
-- (same hash slot). ARGV[1]: random token, ARGV[2]: lifetime in ms. Returns the fence, or nil
-- when the occurrence is claimed already.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return false
end
local time = redis.call('TIME')
local fence = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'at', time[1] * 1000 + math.floor(time[2] / 1000))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return tostring(fence)
