-- The console's hourly rollups (issue 14): counts per hour, kept by ConsoleRollups (a background loop) so that every
-- console view reads at most a few thousand small rows, whatever the size of deliveries and votes. Each hour's rows
-- are recomputed from the tables by one statement (the hour's rows are replaced atomically): the current and the
-- three before it every minute, hours of the last day with deliveries still in flight, and each hour until it was
-- recomputed three hours after it ended (late outcomes, re-votes).

-- deliveries by the hour they were queued, kind (reason), the model version that chose them and state
CREATE TABLE console_rollup_deliveries (
    hour    TIMESTAMPTZ NOT NULL,
    reason  TEXT        NOT NULL,
    version BIGINT      NOT NULL,                 -- newest model version created before the delivery; 0: none
    state   TEXT        NOT NULL,
    n       BIGINT      NOT NULL,
    PRIMARY KEY (hour, reason, version, state)
);

-- votes by the hour they were cast, with the kind and version of the delivery they answer ('' and 0: no delivery)
CREATE TABLE console_rollup_votes (
    hour    TIMESTAMPTZ NOT NULL,
    reason  TEXT        NOT NULL,
    version BIGINT      NOT NULL,
    votes   BIGINT      NOT NULL,
    likes   BIGINT      NOT NULL,
    PRIMARY KEY (hour, reason, version)
);

-- per channel and hour: posts fetched, deliveries queued, votes and likes cast, "less" and mute presses
CREATE TABLE console_rollup_channels (
    hour       TIMESTAMPTZ NOT NULL,
    channel_id BIGINT      NOT NULL,
    posts      BIGINT      NOT NULL,
    deliveries BIGINT      NOT NULL,
    votes      BIGINT      NOT NULL,
    likes      BIGINT      NOT NULL,
    less       BIGINT      NOT NULL,
    mutes      BIGINT      NOT NULL,
    PRIMARY KEY (hour, channel_id)
);

-- per hour overall, and when the hour was last recomputed
CREATE TABLE console_rollup_hours (
    hour         TIMESTAMPTZ PRIMARY KEY,
    posts        BIGINT      NOT NULL,
    less         BIGINT      NOT NULL,
    mutes        BIGINT      NOT NULL,
    in_flight    BIGINT      NOT NULL,            -- deliveries queued, claimed or sending when it was recomputed
    refreshed_at TIMESTAMPTZ NOT NULL
);

-- numbers that do not add up over hours (distinct counts), recomputed every few minutes; also the loop's claim
CREATE TABLE console_snapshots (
    name  TEXT             PRIMARY KEY,
    value DOUBLE PRECISION NOT NULL,
    n     BIGINT           NOT NULL DEFAULT 0,
    at    TIMESTAMPTZ      NOT NULL
);

-- the rollups read presses by the hour they were made
CREATE INDEX IF NOT EXISTS channel_penalties_created_at_idx ON channel_penalties (created_at);
CREATE INDEX IF NOT EXISTS reader_mutes_created_at_idx ON reader_mutes (created_at);

-- A ban holds on every path (issue 14): a banned reader's status never becomes 'active' (/resume, /start, the settings
-- menu, a blocked reader writing again all leave them paused), and no delivery is queued for them (a mailing, a
-- broadcast, "More", an instant push: the row is skipped, as if it were already there).
CREATE FUNCTION tidings_ban_keeps_paused() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'active' AND EXISTS (SELECT 1 FROM reader_bans WHERE reader_id = NEW.id) THEN
        NEW.status := 'paused';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER readers_ban_keeps_paused BEFORE UPDATE OF status ON readers
    FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION tidings_ban_keeps_paused();

CREATE FUNCTION tidings_ban_skips_deliveries() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reader_bans WHERE reader_id = NEW.reader_id) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER deliveries_ban_skips BEFORE INSERT ON deliveries
    FOR EACH ROW EXECUTE FUNCTION tidings_ban_skips_deliveries();
