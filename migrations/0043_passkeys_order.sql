-- The order a prescriber made their passkeys in.  created_at is whole
-- seconds of the server's clock, so passkeys made within one second were
-- listed by their random ids: the portal showed "Key 3" above "Key 1",
-- and the first row of the list was not the first passkey.  seq breaks
-- those ties in the order the rows were inserted.
ALTER TABLE passkeys ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
