-- Releases claims, each if its token still holds it. KEYS[i]: a lock hash. ARGV[1]: minimum hold in
-- ms, ARGV[i+1]: the token of KEYS[i]. Before the minimum hold has passed since a claim was made, its
-- occurrence stays claimed (with no token) until it has; afterwards the key is deleted. Returns one
-- reply per key: 1 when the token held the claim, 0 otherwise.
local hold = tonumber(ARGV[1])
local replies = {}
local now
for i = 1, #KEYS do
  local key = KEYS[i]
  local claim = redis.call('HMGET', key, 'token', 'at')
  if claim[1] == ARGV[i + 1] then
    if now == nil then
      local time = redis.call('TIME')
      now = time[1] * 1000 + math.floor(time[2] / 1000)
    end
    local left = hold - (now - tonumber(claim[2]))
    if left >= 1 then
      redis.call('HSET', key, 'token', '')
      redis.call('PEXPIRE', key, math.floor(left))
    else
      redis.call('DEL', key)
    end
    replies[i] = 1
  else
    replies[i] = 0
  end
end
return replies
