-- tidings, issue 13: a digest instead of separate posts. A reader with digest on gets one message per scheduled mailing:
-- its row in deliveries has no post (reason 'digest'); each post it lists has its own row (the (reader, post) key still
-- holds, so none is ever queued again) in state 'digest', pointing at it. The "full post" button moves such a row to
-- 'queued' once, and the sender sends it like any post.
ALTER TABLE readers ADD COLUMN digest BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX readers_digest_idx ON readers (id) WHERE digest;

ALTER TABLE deliveries ALTER COLUMN post_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN digest_id BIGINT REFERENCES deliveries (id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_post_or_digest CHECK (post_id IS NOT NULL OR reason = 'digest');
CREATE INDEX deliveries_digest_idx ON deliveries (digest_id) WHERE digest_id IS NOT NULL;
-- members not yet bundled into a digest message (a planner that stopped in between leaves them to the next mailing)
CREATE INDEX deliveries_unbundled_idx ON deliveries (reader_id) WHERE state = 'digest' AND digest_id IS NULL;

ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'unknown', 'failed', 'digest'));
