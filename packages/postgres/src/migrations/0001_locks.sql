-- Occurrence claims: one row per claimed occurrence of a job, plus the fence sequence.
-- {{schema}}, {{locks}}, {{fence_sequence}}, {{locks_name_index}} are replaced by quoted names.
--
-- The claims table is UNLOGGED: claims are short-lived, and skipping the write-ahead log keeps an
-- acquire or release off the disk-flush path. The price: after a server crash (not a clean restart)
-- or on a promoted standby the table starts empty, so claims made before are forgotten (holders
-- learn it at their next renewal through lock.lost). Run `ALTER TABLE ... SET LOGGED` to trade the
-- speed for crash safety. Fences come from a sequence, which is logged, so they keep increasing
-- across crashes either way.
CREATE UNLOGGED TABLE IF NOT EXISTS {{schema}}.{{locks}} (
  key         text        PRIMARY KEY,
  name        text        NOT NULL,
  token       text        NOT NULL,
  fence       bigint      NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS {{locks_name_index}} ON {{schema}}.{{locks}} (name, expires_at);

CREATE SEQUENCE IF NOT EXISTS {{schema}}.{{fence_sequence}} AS bigint;
