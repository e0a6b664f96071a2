-- An invitation's link expires (issue 16, item 5): expires_at is
-- created_at plus RXCA_PARTNER_INVITE_DAYS when the partner made it.
-- After it, the link neither opens nor admits an application, and the
-- invitation reads "expired" unless an application came through it
-- before.  Invitations made before this migration get the default 30 days
-- from their creation.

ALTER TABLE partner_invitations ADD COLUMN expires_at timestamptz;
UPDATE partner_invitations SET expires_at = created_at + interval '30 days';
ALTER TABLE partner_invitations ALTER COLUMN expires_at SET NOT NULL;
