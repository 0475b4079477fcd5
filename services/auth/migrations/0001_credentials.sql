CREATE TABLE credentials (
  id             uuid PRIMARY KEY,
  email          text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
  password_hash  text NOT NULL,
  name           text CHECK (length(name) <= 100),
  roles          text[] NOT NULL DEFAULT ARRAY['user'],
  email_verified boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX credentials_email_key ON credentials (email);
