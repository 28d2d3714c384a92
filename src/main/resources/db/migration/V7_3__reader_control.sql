-- tidings: readers in control of their feed (issue 13). Mutes, follow-only lists, word filters, the ad filter switch.

-- A muted channel's posts never reach the reader (until /unmute).
CREATE TABLE reader_mutes (
    reader_id  BIGINT      NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    channel_id BIGINT      NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (reader_id, channel_id)
);

-- /only @a @b: when a reader has rows here, only these channels' posts reach them (/only off deletes them).
CREATE TABLE reader_follows (
    reader_id  BIGINT      NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    channel_id BIGINT      NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (reader_id, channel_id)
);

-- /filter: a word or phrase a post must not contain (exclude) or, when any 'require' rows exist, one of which it must.
CREATE TABLE reader_filters (
    id         BIGSERIAL   PRIMARY KEY,
    reader_id  BIGINT      NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    mode       TEXT        NOT NULL CHECK (mode IN ('exclude', 'require')),
    phrase     TEXT        NOT NULL CHECK (char_length(phrase) BETWEEN 1 AND 100),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT reader_filters_reader_phrase_key UNIQUE (reader_id, mode, phrase)
);

-- The built-in advertising filter (posts marked #реклама, erid, "Реклама"…), on by default.
ALTER TABLE readers ADD COLUMN ad_filter BOOLEAN NOT NULL DEFAULT true;
