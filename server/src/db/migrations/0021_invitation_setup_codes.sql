-- A one-time setup code per invitation, for the built-in provider (issue 14: a person who has not
-- signed in yet can be added, the admin handing them a code shown once). Every invitation gets
-- one, whether or not its email has an account here, so the answer still tells an admin nothing
-- (0014). The invitee enters it on the provider's welcome page with a password of their choosing:
-- a local account is made only when the email has none, and an existing account is never
-- touched. Only a SHA-256 of the code is kept (it carries 160 random bits, so a plain hash is
-- enough); it expires, and is cleared once used. Redeemed on the owner pool, like acceptance.
ALTER TABLE invitations
  ADD COLUMN setup_code_hash bytea CHECK (octet_length(setup_code_hash) = 32),
  ADD COLUMN setup_code_expires_at timestamptz(3),
  ADD CONSTRAINT invitations_setup_code_expires CHECK (setup_code_hash IS NULL OR setup_code_expires_at IS NOT NULL);
CREATE UNIQUE INDEX invitations_setup_code ON invitations (setup_code_hash) WHERE setup_code_hash IS NOT NULL;
