-- Claims one occurrence. KEYS[1]: the occurrence's key, KEYS[2]: the job's fence counter (same hash
-- slot). ARGV[1]: random token, ARGV[2]: lifetime in ms. The claim is the string
-- `<token>:<server ms>`. Returns the fence, or nil when the occurrence is claimed already.
local time = redis.call('TIME')
local claim = ARGV[1] .. ':' .. (time[1] * 1000 + math.floor(time[2] / 1000))
if not redis.call('SET', KEYS[1], claim, 'NX', 'PX', ARGV[2]) then
  return false
end
return tostring(redis.call('INCR', KEYS[2]))
