-- Invitations a partner can follow (issue 13, item 15): when the mail
-- went out (sent_at, written with the job's success), and the job that
-- sends it, found by its payload, so that an invitation whose job died
-- reads "failed".  Invitations mailed before this migration take their
-- time from the audit record of the send.

ALTER TABLE partner_invitations ADD COLUMN sent_at timestamptz;

UPDATE partner_invitations i SET sent_at = a.at FROM audit_log a
	WHERE a.action = 'partner.invitation_sent' AND a.subject = i.id;

CREATE INDEX jobs_invitation ON jobs ((payload->>'invitation'))
	WHERE kind = 'email.invitation';
