-- Records completed occurrences, keeping the latest per job. KEYS[1]: the completed hash (job name ->
-- epoch ms). ARGV: pairs of job name and occurrence ms; an occurrence older than the stored one is
-- ignored, so a run that ends late never moves its job back. Returns the number of jobs moved forward.
local moved = 0
for i = 1, #ARGV, 2 do
  local at = tonumber(ARGV[i + 1])
  local known = redis.call('HGET', KEYS[1], ARGV[i])
  if not known or tonumber(known) < at then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    moved = moved + 1
  end
end
return moved
