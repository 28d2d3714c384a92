-- tidings: delivery at scale (issue 5).
-- 'claimed': taken by a sender under a lease but not yet handed to Telegram; such rows are re-queued when
-- the lease expires. 'sending': handed to Telegram; such rows are never re-sent (a crash leaves them
-- failed('lease expired')), because a duplicate message annoys more than a missed one.
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('queued', 'claimed', 'sending', 'sent', 'failed'));

CREATE INDEX deliveries_leased_idx ON deliveries (lease_until) WHERE state IN ('claimed', 'sending');

-- one row per scheduled mailing minute: the replica that inserts it runs that minute's mailing
CREATE TABLE mailing_runs (
    minute     TIMESTAMPTZ PRIMARY KEY,
    owner      TEXT        NOT NULL,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    queued     BIGINT
);
