-- tidings: promises that hold under faults (issue 17).
-- 'unknown': a send whose outcome cannot be known (5xx, read timeout, reset after the request was written, a
-- sender gone mid-send). Telegram has no idempotency key, so it is never sent again; it is counted and reported.
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'unknown', 'failed'));

-- parts of a multi-part delivery (an album, then the message with the buttons) already sent: a retry resumes there
ALTER TABLE deliveries ADD COLUMN parts_sent INT NOT NULL DEFAULT 0;

-- claims skip readers with a delivery in flight, and the per-reader cap counts open deliveries
CREATE INDEX deliveries_open_reader_idx ON deliveries (reader_id) WHERE state IN ('queued', 'claimed', 'sending');
