-- At most one open dual-control approval per (action, target): a second
-- operator asking for the same action on the same application, kit,
-- serial or partner while one waits is 409 approval-pending, naming the
-- one that waits (api/service/approval.c).
--
-- lapsed_at: a pending approval past its expires_at that a new request
-- for the same (action, target) closed at that moment.  It stays pending
-- (it reads "expired", as every pending approval past expires_at does)
-- but no longer counts as open.
--
-- Pending approvals that are open twice already (made before this
-- migration) keep the newest; the older ones lapse now, and expire now
-- if they had not (they can no longer be confirmed).

ALTER TABLE approvals ADD COLUMN lapsed_at timestamptz;

UPDATE approvals a SET lapsed_at = now(),
	expires_at = greatest(least(a.expires_at, now()),
	    a.requested_at + interval '1 second')
	WHERE a.status = 'pending' AND EXISTS (SELECT 1 FROM approvals n
	    WHERE n.action = a.action AND n.target = a.target AND
	    n.status = 'pending' AND (n.requested_at, n.id) >
	    (a.requested_at, a.id));

CREATE UNIQUE INDEX approvals_open ON approvals (action, target)
	WHERE status = 'pending' AND lapsed_at IS NULL;
