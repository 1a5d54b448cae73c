-- Runs one plain command on one key: KEYS[1] is the key, ARGV[1] the command, ARGV[2..] the
-- arguments after the key. The fleet's and the history's simple reads and writes (SADD, HMGET, ...)
-- go through it so that both client libraries send them the way they send every script: by EVALSHA,
-- routed by the key on a Cluster.
return redis.call(ARGV[1], KEYS[1], unpack(ARGV, 2))
