-- Takes or renews a leader lease. KEYS[1]: lease key. ARGV[1]: candidate token, ARGV[2]: lease in
-- ms. Returns 1 when the candidate holds the lease afterwards, 0 when another one does.
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
