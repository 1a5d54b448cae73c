-- Renews a claim if the token still holds it. KEYS[1]: lock hash. ARGV[1]: token, ARGV[2]: ttl in
-- ms. Never shortens the remaining lifetime. Returns 1 when renewed, 0 when the claim is gone.
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
