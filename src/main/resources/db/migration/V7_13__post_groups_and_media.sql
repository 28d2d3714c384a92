-- tidings, issue 13: a repost's near-duplicate group survives restarts; a forward keeps its origin's link (a forwarded
-- photo without text is still known); videos, animations and voice messages keep the file Telegram can send natively.
ALTER TABLE posts ADD COLUMN dup_group BIGINT;
ALTER TABLE posts ADD COLUMN forwarded_from_url TEXT;
ALTER TABLE posts ADD COLUMN media_file TEXT;

-- Onboarding picks: channels a new reader chose from the catalogue's best-liked ones after /start. For a day after the
-- latest pick, the other channels' posts weigh less for them (cascades from readers, so /forget deletes them).
CREATE TABLE reader_picks (
    reader_id  BIGINT      NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    channel_id BIGINT      NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (reader_id, channel_id)
);
