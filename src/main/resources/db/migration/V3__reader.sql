-- tidings: the reader's experience (issue 6). Per-reader settings, "less from this channel" penalties,
-- operator broadcasts.

-- NULL mailing_times: the service default (MAILING_TIMES); '' : no scheduled mailings.
ALTER TABLE readers
    ADD COLUMN mailing_times     TEXT,
    ADD COLUMN posts_per_mailing INT     NOT NULL DEFAULT 1 CHECK (posts_per_mailing BETWEEN 1 AND 10),
    ADD COLUMN instant_push      BOOLEAN NOT NULL DEFAULT true;

-- One row per press of "Less from this channel" (once per post); the active penalty decays with the row's age.
CREATE TABLE channel_penalties (
    id         BIGSERIAL   PRIMARY KEY,
    reader_id  BIGINT      NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    channel_id BIGINT      NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    post_id    BIGINT      NOT NULL,                  -- the post under which it was pressed (no FK: posts may go)
    weight     REAL        NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT channel_penalties_reader_post_key UNIQUE (reader_id, post_id)
);
CREATE INDEX channel_penalties_reader_idx ON channel_penalties (reader_id, created_at);

-- A post an operator sends to every active reader at a set time.
CREATE TABLE broadcasts (
    id         BIGSERIAL   PRIMARY KEY,
    post_id    BIGINT      NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    send_at    TIMESTAMPTZ NOT NULL,
    created_by BIGINT      NOT NULL,
    state      TEXT        NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'queued', 'cancelled')),
    queued     BIGINT      NOT NULL DEFAULT 0,          -- deliveries queued when it went out
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX broadcasts_due_idx ON broadcasts (send_at) WHERE state = 'scheduled';
