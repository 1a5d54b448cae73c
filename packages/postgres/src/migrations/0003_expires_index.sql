-- Releases are sent in batches across many jobs (a burst of runs ending together), and each batch
-- also deletes long-expired claims of any job: finished occurrences kept for minHold and those of
-- holders that died. That sweep wants the oldest expiries first, whatever the job, so it reads an
-- index on expires_at alone. The (name, expires_at) index served the former per-job sweep and
-- nothing else; dropping it keeps every claim, renewal and release one index write cheaper.
CREATE INDEX IF NOT EXISTS {{locks_expires_index}} ON {{schema}}.{{locks}} (expires_at);

DROP INDEX IF EXISTS {{schema}}.{{locks_name_index}};
