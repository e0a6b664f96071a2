-- The runner's claim (job_claim in api/store/store.c) takes the first
-- due job in (run_at, id) order, FOR UPDATE SKIP LOCKED.  jobs_due held
-- run_at alone, so PostgreSQL read every queued job of the earliest
-- run_at and sorted them by id before taking one: jobs queued in the same
-- second (run_at has a second's resolution), or a backlog, were all read
-- on every claim, by every runner of every node.  With id in the index,
-- a claim reads the rows it skips (locked by other runners) and the one
-- it takes.  Issue 19, item 1 (nodes that add capacity).
CREATE INDEX jobs_due_order ON jobs (run_at, id) WHERE state = 'queued';
DROP INDEX jobs_due;
