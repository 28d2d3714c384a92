-- The console's counters (issue 14): what the overview, the model view and the quality view read without touching
-- millions of rows, and the exploration picks and mute presses counted for the whole service, not per replica.

-- A delivery taken from a candidate set records whether it was an exploration pick (taken only thanks to the noise);
-- null for deliveries the planner did not take from a set (broadcasts, instant pushes).
ALTER TABLE deliveries ADD COLUMN explored BOOLEAN;
ALTER TABLE console_rollup_deliveries ADD COLUMN picks BIGINT NOT NULL DEFAULT 0,
                                      ADD COLUMN explored BIGINT NOT NULL DEFAULT 0;

-- Every mute press, kept after an unmute deletes the mute (no reader id: only what the console counts).
CREATE TABLE console_mute_presses (
    channel_id BIGINT      NOT NULL,
    at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX console_mute_presses_at_idx ON console_mute_presses (at);
INSERT INTO console_mute_presses (channel_id, at) SELECT channel_id, created_at FROM reader_mutes;

CREATE FUNCTION tidings_count_mute_press() RETURNS trigger AS $$
BEGIN
    INSERT INTO console_mute_presses (channel_id, at) VALUES (NEW.channel_id, NEW.created_at);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER reader_mutes_count_press AFTER INSERT ON reader_mutes
    FOR EACH ROW EXECUTE FUNCTION tidings_count_mute_press();

-- Sent deliveries per minute of the last hour, replaced by each rollup tick (the overview's send rate).
CREATE TABLE console_rollup_minutes (
    minute TIMESTAMPTZ PRIMARY KEY,
    sent   BIGINT      NOT NULL
);

-- The AUC of the scores each model version gave on the newest votes (version -1: all of them), from the rollup loop.
CREATE TABLE console_model_auc (
    version BIGINT           PRIMARY KEY,
    votes   BIGINT           NOT NULL,
    auc     DOUBLE PRECISION,                   -- null without both a like and a dislike
    at      TIMESTAMPTZ      NOT NULL
);

-- Finding a reader by the start of their name, whatever its case.
CREATE INDEX IF NOT EXISTS readers_first_name_prefix_idx ON readers (lower(first_name) text_pattern_ops);
