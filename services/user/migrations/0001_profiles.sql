-- created_at keeps millisecond precision so a page cursor (a JavaScript Date) names an exact row.
CREATE TABLE profiles (
  id         uuid PRIMARY KEY,
  email      text NOT NULL CHECK (length(email) <= 254),
  name       text CHECK (length(name) <= 100),
  bio        text CHECK (length(bio) <= 500),
  avatar_url text CHECK (length(avatar_url) <= 2048),
  locale     text CHECK (length(locale) <= 35),
  roles      text[] NOT NULL DEFAULT ARRAY['user'],
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Keyset pagination of the admin user list walks this index.
CREATE INDEX profiles_created_at_id_idx ON profiles (created_at, id);

-- The last-admin rule locks and counts these rows on every delete.
CREATE INDEX profiles_admins_idx ON profiles (id) WHERE 'admin' = ANY (roles);

-- Deleted ids, so a still-valid access token cannot bring a deleted profile back.
CREATE TABLE deleted_profiles (
  id         uuid PRIMARY KEY,
  deleted_at timestamptz NOT NULL DEFAULT now()
);
