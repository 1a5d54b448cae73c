-- Stores run records and enforces retention, with bounded work per call. KEYS[1]: the runs hash
-- (run id -> record), KEYS[2]: the started index (sorted set of every run id by start ms),
-- KEYS[3..]: the jobs' indexes (one sorted set per job name, run id by start ms); all in one slot.
-- ARGV[1]: runs kept per job, ARGV[2]: the age in ms past which runs go, ARGV[3]: the most runs this
-- call may delete; then five per record: the index of its job's key in KEYS, its run id, its start
-- ms, 1 for a `running` record (else 0), the record. A record replaces the one of the same run id (a
-- run's final record its `running` one: same id, same start), except that a `running` record is
-- written only when its run has none, so that it never replaces the final one if it comes later.
-- Returns the number of runs deleted.
local runs, started = KEYS[1], KEYS[2]
local perJob = tonumber(ARGV[1])
local maxAge = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local time = redis.call('TIME')
local cutoff = time[1] * 1000 + math.floor(time[2] / 1000) - maxAge

for i = 4, #ARGV, 5 do
  local id, at = ARGV[i + 1], ARGV[i + 2]
  redis.call(ARGV[i + 3] == '1' and 'HSETNX' or 'HSET', runs, id, ARGV[i + 4])
  redis.call('ZADD', started, at, id)
  redis.call('ZADD', KEYS[tonumber(ARGV[i])], at, id)
end

local deleted = 0
-- Deletes runs from the hash and the started index, 1000 ids a command (Lua's unpack limit).
local function forget(ids)
  for i = 1, #ids, 1000 do
    local last = math.min(i + 999, #ids)
    redis.call('HDEL', runs, unpack(ids, i, last))
    redis.call('ZREM', started, unpack(ids, i, last))
  end
  deleted = deleted + #ids
end

-- Age, fleet-wide: the oldest runs of every job, up to the budget. A job's index drops its old
-- entries below, when the job records again, or expires with its last record.
local old = redis.call('ZRANGEBYSCORE', started, '-inf', cutoff, 'LIMIT', 0, budget)
if #old > 0 then
  forget(old)
end

for k = 3, #KEYS do
  local job = KEYS[k]
  redis.call('ZREMRANGEBYSCORE', job, '-inf', cutoff)
  local excess = math.min(redis.call('ZCARD', job) - perJob, budget - deleted)
  if excess > 0 then
    forget(redis.call('ZRANGE', job, 0, excess - 1))
    redis.call('ZREMRANGEBYRANK', job, 0, excess - 1)
  end
  redis.call('PEXPIRE', job, maxAge)
end
return deleted
