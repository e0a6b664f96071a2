-- The sandbox (issue 16, item 7).
--
-- A partner's sandbox is a partner of its own (partners.sandbox_of names
-- the live partner it belongs to, at most one each), with its own program
-- code (by default "<program>-sandbox"), keys ("rxp_test_..."), webhook,
-- events, practices and invitations.  So every query that scopes a
-- partner's reads to its program keeps the two worlds apart.  A sandbox
-- is made only for a program code that no application names yet: it
-- takes the program's advisory lock exclusively, each new application
-- the same lock shared (the trigger below), so the check and the
-- applications' inserts cannot pass each other, and no live application
-- is ever a sandbox partner's.
--
-- applications.sandbox marks an application of a sandbox program, set
-- when it is made (from the program's partner) and never changed: it,
-- not the program's name, decides that the application is proofed by the
-- reference providers and never certified by the production CA.

ALTER TABLE partners ADD COLUMN sandbox_of text UNIQUE REFERENCES partners (id)
	CHECK (sandbox_of <> id);

ALTER TABLE applications ADD COLUMN sandbox boolean NOT NULL DEFAULT false;

CREATE FUNCTION applications_sandbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		NEW.sandbox := false;
		IF NEW.program IS NOT NULL THEN
			PERFORM pg_advisory_xact_lock_shared(
			    hashtext('rxca.program:' || NEW.program));
			NEW.sandbox := EXISTS (SELECT 1 FROM partners WHERE
			    program = NEW.program AND sandbox_of IS NOT NULL);
		END IF;
	ELSE
		NEW.sandbox := OLD.sandbox;
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER applications_sandbox BEFORE INSERT OR UPDATE OF sandbox
	ON applications FOR EACH ROW EXECUTE FUNCTION applications_sandbox();
