-- Occurrence claims, one row per claimed occurrence of a job, and the per-job fence counters.
-- {{schema}}, {{locks}}, {{fences}} are replaced by the quoted names from the options.
CREATE TABLE IF NOT EXISTS {{schema}}.{{locks}} (
  key         text        PRIMARY KEY,
  name        text        NOT NULL,
  token       text        NOT NULL,
  fence       bigint      NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS {{locks_name_index}} ON {{schema}}.{{locks}} (name, expires_at);

CREATE TABLE IF NOT EXISTS {{schema}}.{{fences}} (
  name  text   PRIMARY KEY,
  fence bigint NOT NULL
);
