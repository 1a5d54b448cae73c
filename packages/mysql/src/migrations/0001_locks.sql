-- Occurrence claims: one row per claimed occurrence of a job. {{locks}}, {{fence_index}} and
-- {{expires_index}} are replaced by quoted names.
--
-- The fence is the AUTO_INCREMENT column: every claim is a new row (a takeover deletes the expired
-- row and inserts again), so it strictly increases for every key and across keys. Both MySQL 8 and
-- MariaDB 10.2.4+ keep the counter across restarts. It starts at 2: the acquire statement reports
-- 0 (held elsewhere) or 1 (expired, take it over) through LAST_INSERT_ID() when the key exists.
--
-- Times are UTC_TIMESTAMP(3) of the server, which no session time zone or daylight saving shifts.
CREATE TABLE IF NOT EXISTS {{locks}} (
  lock_key    VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  name        VARCHAR(460) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  token       VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  fence       BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  renewals    BIGINT UNSIGNED NOT NULL DEFAULT 0,
  acquired_at DATETIME(3) NOT NULL,
  expires_at  DATETIME(3) NOT NULL,
  PRIMARY KEY (lock_key),
  UNIQUE KEY {{fence_index}} (fence),
  KEY {{expires_index}} (expires_at)
) ENGINE = InnoDB AUTO_INCREMENT = 2;
