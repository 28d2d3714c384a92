-- tidings: ingest (issue 4). Channel header and catalogue state, edited posts.

ALTER TABLE channels DROP CONSTRAINT IF EXISTS channels_status_check;
ALTER TABLE channels ADD CONSTRAINT channels_status_check
    CHECK (status IN ('active', 'unavailable', 'removed', 'held'));

ALTER TABLE channels
    ADD COLUMN description        TEXT,
    ADD COLUMN avatar_url         TEXT,
    ADD COLUMN subscribers        BIGINT      NOT NULL DEFAULT 0,
    ADD COLUMN unavailable_reason TEXT,
    ADD COLUMN suggested_by       BIGINT,                -- reader who suggested it (NULL: operator or config)
    ADD COLUMN last_success_at    TIMESTAMPTZ;

ALTER TABLE posts
    ADD COLUMN edited     BOOLEAN     NOT NULL DEFAULT false,
    ADD COLUMN updated_at TIMESTAMPTZ;
