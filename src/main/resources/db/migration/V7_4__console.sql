-- The operator's console (issue 14): who did what, one-time sign-in links, reader bans, and indexes for its views.

CREATE TABLE console_audit (
    id          BIGSERIAL   PRIMARY KEY,
    operator_id BIGINT      NOT NULL,
    action      TEXT        NOT NULL,                 -- sign_in, approve_channel, ban_reader, schedule_broadcast, …
    target      TEXT,
    detail      TEXT,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX console_audit_at_idx ON console_audit (at DESC);

-- A sign-in link is stateless (signed), but used once: its nonce is stored when it is redeemed.
CREATE TABLE console_links (
    nonce       TEXT        PRIMARY KEY,
    operator_id BIGINT      NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A banned reader gets nothing more; unbanning restores the status they had.
CREATE TABLE reader_bans (
    reader_id       BIGINT      PRIMARY KEY REFERENCES readers (id) ON DELETE CASCADE,
    banned_by       BIGINT      NOT NULL,
    previous_status TEXT        NOT NULL,
    at              TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- the console's windows: outcomes and votes of the last hours, posts fetched per hour
CREATE INDEX IF NOT EXISTS deliveries_created_at_idx ON deliveries (created_at);
CREATE INDEX IF NOT EXISTS deliveries_reader_idx ON deliveries (reader_id, id DESC);
CREATE INDEX IF NOT EXISTS votes_voted_at_idx ON votes (voted_at);
CREATE INDEX IF NOT EXISTS posts_fetched_at_idx ON posts (fetched_at);

-- Alerts to operators: at most one per kind per hour, across all replicas (the row is claimed atomically).
CREATE TABLE console_alerts (
    kind    TEXT        PRIMARY KEY,
    last_at TIMESTAMPTZ NOT NULL,
    text    TEXT        NOT NULL
);
