-- Leader leases, one row per election.
CREATE TABLE IF NOT EXISTS {{schema}}.{{leases}} (
  name       text        PRIMARY KEY,
  token      text        NOT NULL,
  term       bigint      NOT NULL,
  expires_at timestamptz NOT NULL
);
