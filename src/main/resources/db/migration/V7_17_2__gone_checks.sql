-- A redirect, 404 or 410 from t.me counts towards TME_GONE_CHECKS on the channel's row, so a restart (or another
-- replica taking the channel's lease) does not start the count again. A successful poll clears it.
ALTER TABLE channels ADD COLUMN gone_since TIMESTAMPTZ, ADD COLUMN gone_answers INT NOT NULL DEFAULT 0;
