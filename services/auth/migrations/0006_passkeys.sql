-- Passkeys (WebAuthn credentials). A user holds at most PASSKEYS_PER_USER_LIMIT of them (counted
-- under the account's row lock); they go with the credential.
CREATE TABLE passkeys (
  id                 uuid PRIMARY KEY,
  user_id            uuid NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
  -- The authenticator's credential id (raw bytes; base64url in the API). WebAuthn caps it at 1023.
  credential_id      bytea NOT NULL CHECK (length(credential_id) BETWEEN 1 AND 1023),
  -- The COSE_Key the authenticator made at registration: public, but only this one verifies.
  public_key         bytea NOT NULL,
  -- The signature counter last seen: an unsigned 32-bit value, 0 for authenticators without one.
  sign_count         bigint NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
  transports         text[] NOT NULL DEFAULT '{}',
  -- Authenticator data flags BE and BS: a backup-eligible (synced) passkey signs in as `swk`, a
  -- device-bound one as `hwk`. BE never changes for a credential.
  backup_eligible    boolean NOT NULL,
  backed_up          boolean NOT NULL,
  aaguid             uuid NOT NULL,
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_used_at       timestamptz,
  -- Set when a verified assertion's counter did not advance: two copies of the key exist, so
  -- neither signs in again until the owner removes it.
  suspected_clone_at timestamptz
);

CREATE UNIQUE INDEX passkeys_credential_id_key ON passkeys (credential_id);
CREATE INDEX passkeys_user_id_idx ON passkeys (user_id);
