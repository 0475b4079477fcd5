-- Second factors. A user has at most one TOTP factor (pending until its first code confirms it;
-- a new setup replaces a pending one) and the ten recovery codes of its confirmation, so the rows
-- per user stay bounded. Both go with the credential.
CREATE TABLE totp_factors (
  user_id        uuid PRIMARY KEY REFERENCES credentials(id) ON DELETE CASCADE,
  -- AES-256-GCM (version, nonce, ciphertext, tag) under a key that is never in the database.
  sealed_secret  bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  confirmed_at   timestamptz,
  -- The last RFC 6238 time step a code was accepted for: it and every earlier step are spent.
  last_used_step bigint
);

-- Single use: used_at is set once. The digest is an HMAC under a server key, never the code.
CREATE TABLE recovery_codes (
  user_id     uuid NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
  code_digest text NOT NULL,
  used_at     timestamptz,
  PRIMARY KEY (user_id, code_digest)
);
