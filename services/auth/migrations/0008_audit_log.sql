-- The audit log: who signed in, who was signed out for token theft, who deleted whom. Rows are
-- only ever added. The comment below marks the table append-only for grantDataRights (libs/db),
-- which then leaves the runtime role INSERT and SELECT; the trigger refuses UPDATE, DELETE and
-- TRUNCATE to every role but the owner, in case a broader grant ever comes back.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  occurred_at   timestamptz NOT NULL,
  action        text NOT NULL CHECK (action ~ '^[a-z][a-z_]{0,39}$'),
  outcome       text NOT NULL CHECK (outcome IN ('success', 'failure')),
  actor_kind    text CHECK (actor_kind IN ('user', 'admin', 'client')),
  actor_id      text CHECK (length(actor_id) <= 64),
  subject       text CHECK (length(subject) <= 64),
  -- /24 or /48: enough to tell networks apart, not enough to name a household.
  client_prefix cidr,
  user_agent    text CHECK (length(user_agent) <= 256),
  request_id    text CHECK (length(request_id) <= 128),
  trace_id      text CHECK (trace_id ~ '^[0-9a-f]{32}$'),
  reason        text CHECK (reason ~ '^[a-z][a-z0-9_.]{0,63}$'),
  CHECK ((actor_kind IS NULL) = (actor_id IS NULL))
);

COMMENT ON TABLE audit_log IS 'append-only: the runtime role may INSERT and SELECT; prune_audit_log() deletes past retention';

-- The admin query pages newest first by id, filtered by subject or action.
CREATE INDEX audit_log_subject_idx ON audit_log (subject, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
-- Retention deletes the oldest first.
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at);

-- search_path pinned and the catalog named: a caller's temporary table called pg_class must not
-- answer the ownership question.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- Inside prune_audit_log (SECURITY DEFINER) current_user is the owner; any other role is refused.
  IF NOT pg_catalog.pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The floor of retention, out of the runtime role's reach: no grant (the owner-only mark below
-- makes grantDataRights revoke the default ones), so only the owner (the migration role) changes
-- it. Seeded with AUDIT_RETENTION_DAYS' default. prune_audit_log only reads it: a caller that could
-- raise it could stop every later prune.
CREATE TABLE audit_log_settings (
  singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  min_retention_days integer NOT NULL CHECK (min_retention_days BETWEEN 7 AND 36500)
);
INSERT INTO audit_log_settings (min_retention_days) VALUES (90);

COMMENT ON TABLE audit_log_settings IS 'owner-only: the floor of audit retention, which the runtime role must not lower';

-- The only way the runtime role removes records: past a retention no shorter than the floor, so
-- a compromised service (or a changed AUDIT_RETENTION_DAYS) cannot erase the recent trail. To
-- keep records longer than the floor, the owner raises it (README, "Audit log"). Short batches
-- keep locks short.
CREATE FUNCTION prune_audit_log(retention_days integer, batch_size integer) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  floor_days integer;
  deleted integer;
BEGIN
  SELECT min_retention_days INTO floor_days FROM public.audit_log_settings;
  IF retention_days IS NULL OR floor_days IS NULL OR retention_days < floor_days THEN
    RAISE EXCEPTION 'audit retention of % days is below the floor of % days in audit_log_settings', retention_days, floor_days
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  DELETE FROM public.audit_log
   WHERE id IN (
     SELECT id FROM public.audit_log
      WHERE occurred_at < now() - make_interval(days => retention_days)
      ORDER BY occurred_at
      LIMIT least(greatest(coalesce(batch_size, 1000), 1), 10000)
        FOR UPDATE SKIP LOCKED);
  GET DIAGNOSTICS deleted = ROW_COUNT;
  RETURN deleted;
END;
$$;

-- Functions are executable by PUBLIC unless revoked: only the runtime role, through the mark
-- below (grantDataRights grants EXECUTE on marked functions), may call this one.
REVOKE ALL ON FUNCTION prune_audit_log(integer, integer) FROM PUBLIC;
COMMENT ON FUNCTION prune_audit_log(integer, integer) IS 'runtime-executable: deletes audit records past retention, never below the floor';
