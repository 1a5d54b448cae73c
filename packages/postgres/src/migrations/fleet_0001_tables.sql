-- The fleet: the live replicas, the jobs paused fleet-wide and each job's last completed occurrence.
-- {{schema}}, {{replicas}}, {{paused}}, {{paused_job}}, {{completed}} and {{completed_job}} are
-- replaced by quoted names (`<table>_replicas`, ...).
--
-- The replicas table is UNLOGGED: every heartbeat rewrites its replica's row, and the rows only say
-- who is alive now. After a server crash (not a clean restart) or on a promoted standby it starts
-- empty and fills again within one heartbeat. Pauses and completions are logged: they must survive.
CREATE UNLOGGED TABLE IF NOT EXISTS {{schema}}.{{replicas}} (
  id              text             PRIMARY KEY,
  host            text             NOT NULL,
  pid             bigint           NOT NULL,
  version         text             NOT NULL,
  started_at      timestamptz      NOT NULL,
  last_seen       timestamptz      NOT NULL,
  expires_at      timestamptz      NOT NULL,
  clock_offset_ms double precision NOT NULL
);

-- Job names may be 1,000 characters long, up to 3,000 bytes in UTF-8: more than one B-tree entry
-- holds (2,704 bytes). So a name is unique by its MD5 digest as a uuid, 16 bytes compared bytewise
-- (the digest is an index key here, not a security measure).
CREATE TABLE IF NOT EXISTS {{schema}}.{{paused}} (
  job_name  text        NOT NULL,
  paused_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX IF NOT EXISTS {{paused_job}} ON {{schema}}.{{paused}} ((md5(job_name)::uuid));

CREATE TABLE IF NOT EXISTS {{schema}}.{{completed}} (
  job_name     text        NOT NULL,
  scheduled_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS {{completed_job}} ON {{schema}}.{{completed}} ((md5(job_name)::uuid));
