-- Lists run records, newest start first. KEYS[1]: the runs hash, KEYS[2]: the index to read (the
-- started index, or one job's). ARGV[1]: the age in ms past which runs are gone, ARGV[2]: the start
-- ms to list before (exclusive; '+inf' for no bound), ARGV[3]: the most records. Runs past the age
-- that retention has not deleted yet are left out, so that what a list returns never depends on
-- how far the bounded deletes have got.
local time = redis.call('TIME')
local cutoff = time[1] * 1000 + math.floor(time[2] / 1000) - tonumber(ARGV[1])
local before = ARGV[2] == '+inf' and '+inf' or '(' .. ARGV[2]
local after = string.format('(%d', cutoff)
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[2], before, after, 'LIMIT', 0, tonumber(ARGV[3]))
local records = {}
for i = 1, #ids, 1000 do
  local values = redis.call('HMGET', KEYS[1], unpack(ids, i, math.min(i + 999, #ids)))
  for j = 1, #values do
    if values[j] then
      records[#records + 1] = values[j]
    end
  end
end
return records
