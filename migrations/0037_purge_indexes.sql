-- Indexes for what the server's sweep deletes (api/server.c, the sweeps
-- registered with the job runner), so that each sweep reads only what it
-- deletes.
--
-- Webhook events and deliveries are kept RXCA_WEBHOOK_KEEP_DAYS (at least
-- 30: GET /v1/partner/events lists them) and then deleted
-- (api/service/webhook.c, webhook_purge): deliveries by their time, then
-- events past the cutoff that are not pending and have no delivery left.
-- webhook_deliveries_event also serves the foreign key's check when an
-- event is deleted.

CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX webhook_events_done ON webhook_events (created_at)
	WHERE state <> 'pending';

-- OpenID sign-ins and passkey challenges are deleted an hour past their
-- expiry (store_oidc.c, store_passkey.c).
CREATE INDEX oidc_flows_expiry ON oidc_flows (expires_at);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
