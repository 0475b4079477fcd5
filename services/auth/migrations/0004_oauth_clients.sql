-- OAuth clients of the client credentials grant (RFC 6749 §4.4). The secret is 256 random bits,
-- so its SHA-256 is all that is kept: nothing can be guessed from the digest, and checking a token
-- request costs one hash instead of a deliberately slow one (the grant is on a hot path).
CREATE TABLE oauth_clients (
  client_id     text PRIMARY KEY CHECK (client_id ~ '^svc_[A-Za-z0-9_-]{22}$'),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  secret_digest bytea NOT NULL CHECK (length(secret_digest) = 32),
  scopes        text[] NOT NULL DEFAULT '{}',
  roles         text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- No foreign key: the client outlives the admin account that created it.
  created_by    uuid NOT NULL
);
