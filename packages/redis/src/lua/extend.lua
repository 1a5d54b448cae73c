-- Renews claims, each if its token still holds it. KEYS[i]: an occurrence's key. ARGV[1]: ttl in
-- ms, ARGV[i+1]: the token of KEYS[i]. Never shortens a remaining lifetime. Returns one reply per
-- key: 1 when renewed, 0 when the claim is gone.
local ttl = tonumber(ARGV[1])
local replies = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local mine = ARGV[i + 1] .. ':'
  local claim = redis.call('GET', key)
  if claim and string.sub(claim, 1, #mine) == mine then
    if redis.call('PTTL', key) < ttl then
      redis.call('PEXPIRE', key, ttl)
    end
    replies[i] = 1
  else
    replies[i] = 0
  end
end
return replies
