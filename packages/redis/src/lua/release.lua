-- Releases a claim if the token still holds it. KEYS[1]: lock hash. ARGV[1]: token, ARGV[2]:
-- minimum hold in ms. Before the minimum hold has passed since the claim was made, the occurrence
-- stays claimed (with no token) until it has; afterwards the key is deleted. Returns 1 when the
-- token held the claim, 0 otherwise.
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
local time = redis.call('TIME')
local now = time[1] * 1000 + math.floor(time[2] / 1000)
local left = tonumber(ARGV[2]) - (now - tonumber(redis.call('HGET', KEYS[1], 'at')))
if left >= 1 then
  redis.call('HSET', KEYS[1], 'token', '')
  redis.call('PEXPIRE', KEYS[1], math.floor(left))
else
  redis.call('DEL', KEYS[1])
end
return 1
