-- tidings, issue 13: a repost's near-duplicate group survives restarts; a forward keeps its origin's link (a forwarded
-- photo without text is still known); videos, animations and voice messages keep the file Telegram can send natively.
ALTER TABLE posts ADD COLUMN dup_group BIGINT;
ALTER TABLE posts ADD COLUMN forwarded_from_url TEXT;
ALTER TABLE posts ADD COLUMN media_file TEXT;
