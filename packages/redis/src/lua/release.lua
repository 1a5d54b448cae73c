-- Releases claims, each if its token still holds it. KEYS[i]: an occurrence's key. ARGV[1]: minimum
-- hold in ms, ARGV[i+1]: the token of KEYS[i]. Before the minimum hold has passed since a claim was
-- made, its occurrence stays claimed (as `:<server ms>`, with no token) until it has; afterwards the
-- key is deleted. Returns one reply per key: 1 when the token held the claim, 0 otherwise.
local hold = tonumber(ARGV[1])
local replies = {}
local now
for i = 1, #KEYS do
  local key = KEYS[i]
  local mine = ARGV[i + 1] .. ':'
  local claim = redis.call('GET', key)
  if claim and string.sub(claim, 1, #mine) == mine then
    if now == nil then
      local time = redis.call('TIME')
      now = time[1] * 1000 + math.floor(time[2] / 1000)
    end
    local at = tonumber(string.sub(claim, #mine + 1))
    local left = math.floor(hold - (now - at))
    if left >= 1 then
      redis.call('SET', key, ':' .. at, 'PX', left)
    else
      redis.call('DEL', key)
    end
    replies[i] = 1
  else
    replies[i] = 0
  end
end
return replies
