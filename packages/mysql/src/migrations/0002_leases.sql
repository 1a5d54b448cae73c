-- Leader leases, one row per election: the leader's token, a term counter and the expiry.
CREATE TABLE IF NOT EXISTS {{leases}} (
  name       VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  token      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  term       BIGINT UNSIGNED NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB;
