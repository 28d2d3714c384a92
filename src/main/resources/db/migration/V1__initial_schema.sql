-- tidings: the first schema. Keys make retries safe (DESIGN.md §4):
-- post (channel, message_id) unique; vote (reader, post) upsert; delivery (reader, post) unique.

CREATE TABLE readers (
    id            BIGINT PRIMARY KEY,                 -- Telegram user id (= private chat id)
    first_name    TEXT,
    language      TEXT        NOT NULL DEFAULT 'en',
    status        TEXT        NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'paused', 'unreachable')),
    time_zone     TEXT        NOT NULL DEFAULT 'UTC',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE channels (
    id              BIGSERIAL PRIMARY KEY,
    username        TEXT        NOT NULL UNIQUE,      -- normalised, lower case
    title           TEXT,
    status          TEXT        NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'unavailable', 'removed')),
    last_message_id BIGINT      NOT NULL DEFAULT 0,
    last_polled_at  TIMESTAMPTZ,
    added_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE posts (
    id             BIGSERIAL PRIMARY KEY,
    channel_id     BIGINT      NOT NULL REFERENCES channels (id),
    message_id     BIGINT      NOT NULL,
    published_at   TIMESTAMPTZ NOT NULL,
    kind           TEXT        NOT NULL,
    text           TEXT        NOT NULL DEFAULT '',
    html           TEXT        NOT NULL DEFAULT '',
    media_urls     TEXT[]      NOT NULL DEFAULT '{}',
    views          BIGINT      NOT NULL DEFAULT 0,
    forwarded_from TEXT,
    deleted        BOOLEAN     NOT NULL DEFAULT false,
    fetched_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT posts_channel_message_key UNIQUE (channel_id, message_id)
);
CREATE INDEX posts_published_at_idx ON posts (published_at);

CREATE TABLE votes (
    reader_id BIGINT      NOT NULL REFERENCES readers (id),
    post_id   BIGINT      NOT NULL REFERENCES posts (id),
    liked     BOOLEAN     NOT NULL,
    voted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    seq       BIGSERIAL   NOT NULL,                   -- grows on every insert or change: "votes since"
    PRIMARY KEY (reader_id, post_id)
);
CREATE INDEX votes_seq_idx ON votes (seq);

CREATE TABLE deliveries (
    id                  BIGSERIAL PRIMARY KEY,
    reader_id           BIGINT      NOT NULL REFERENCES readers (id),
    post_id             BIGINT      NOT NULL REFERENCES posts (id),
    reason              TEXT        NOT NULL,         -- start, next, mailing, broadcast
    state               TEXT        NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    error               TEXT,
    score               REAL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    not_before          TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_owner         TEXT,
    lease_until         TIMESTAMPTZ,
    attempts            INT         NOT NULL DEFAULT 0,
    sent_at             TIMESTAMPTZ,
    telegram_message_id BIGINT,
    CONSTRAINT deliveries_reader_post_key UNIQUE (reader_id, post_id)
);
CREATE INDEX deliveries_queued_idx ON deliveries (not_before, id) WHERE state = 'queued';

CREATE TABLE model_versions (
    id          BIGSERIAL PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    kind        TEXT        NOT NULL CHECK (kind IN ('full', 'incremental')),
    votes_seq   BIGINT      NOT NULL,                 -- highest votes.seq the model has seen
    vote_count  BIGINT      NOT NULL,
    weights     BYTEA       NOT NULL,
    onnx        BYTEA       NOT NULL,
    summary     TEXT
);
