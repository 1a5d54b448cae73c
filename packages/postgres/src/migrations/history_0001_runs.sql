-- The run history: one row per run of a job, on whichever replica it ran.
-- {{schema}}, {{runs}}, {{runs_by_job}} and {{runs_by_start}} are replaced by quoted names.
CREATE TABLE IF NOT EXISTS {{schema}}.{{runs}} (
  started_at   timestamptz NOT NULL,
  scheduled_at timestamptz NOT NULL,
  ended_at     timestamptz,
  attempts     integer,
  status       text        NOT NULL,
  job_name     text        NOT NULL,
  job_id       text        NOT NULL,
  replica      text        NOT NULL,
  error        text,
  output       text
);

-- A run is its job, start, occurrence, job id and replica. Ordered by job then start, this one index
-- is the upsert's conflict target, reads a job's runs newest first (a backward scan of the job's
-- range) and finds the runs beyond a job's count to delete. Names and ids are keyed by their MD5
-- digest as a uuid: a job name may take 3,000 bytes, more than one B-tree entry holds.
CREATE UNIQUE INDEX IF NOT EXISTS {{runs_by_job}} ON {{schema}}.{{runs}}
  ((md5(job_name)::uuid), started_at, scheduled_at, (md5(job_id)::uuid), (md5(replica)::uuid));

-- Every job's runs newest first, and the oldest first for the age limit.
CREATE INDEX IF NOT EXISTS {{runs_by_start}} ON {{schema}}.{{runs}} (started_at);
