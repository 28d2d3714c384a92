-- tidings: scaling out (issue 7). Replicas coordinate only through these tables and the database's
-- own locks: a durable inbox for webhook updates, a registry of live replicas, per-channel polling
-- leases, and a NOTIFY when a model version is stored.

-- Webhook updates, written before the webhook answers 200; processed once by update_id.
CREATE TABLE updates (
    update_id     BIGINT      PRIMARY KEY,
    body          TEXT        NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_by    TEXT,
    claimed_until TIMESTAMPTZ,
    attempts      INT         NOT NULL DEFAULT 0,
    processed_at  TIMESTAMPTZ,
    error         TEXT
);
CREATE INDEX updates_pending_idx ON updates (update_id) WHERE processed_at IS NULL;

-- Live replicas: each upserts its row every heartbeat; a row older than the TTL is a gone replica.
CREATE TABLE replicas (
    id           TEXT        PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Who polls which channel until when: the lease is both the mutual exclusion and the schedule.
CREATE TABLE channel_leases (
    channel_id  BIGINT      PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    owner       TEXT        NOT NULL,
    claimed_at  TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL
);

-- Every stored model version is announced to listening replicas when its transaction commits.
CREATE FUNCTION tidings_announce_model_version() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('tidings_model_versions', NEW.id::text);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER model_versions_announce AFTER INSERT ON model_versions
    FOR EACH ROW EXECUTE FUNCTION tidings_announce_model_version();
