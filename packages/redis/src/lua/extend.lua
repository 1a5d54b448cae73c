-- Renews claims, each if its token still holds it. KEYS[i]: a lock hash. ARGV[1]: ttl in ms,
-- ARGV[i+1]: the token of KEYS[i]. Never shortens a remaining lifetime. Returns one reply per key:
-- 1 when renewed, 0 when the claim is gone.
local ttl = tonumber(ARGV[1])
local replies = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  if redis.call('HGET', key, 'token') == ARGV[i + 1] then
    if redis.call('PTTL', key) < ttl then
      redis.call('PEXPIRE', key, ttl)
    end
    replies[i] = 1
  else
    replies[i] = 0
  end
end
return replies
