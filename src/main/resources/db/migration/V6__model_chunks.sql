-- tidings: model weights and embeddings in chunks (issue 3). A model of 1 M readers and 1 M posts takes
-- about half a gigabyte; no single value may grow with the number of readers or posts, so
-- model_versions.weights now holds a small head (config, network, table shapes, priors) and the rows of
-- the embedding tables go to model_chunks, a few MB each, written in the same transaction as the version
-- (the NOTIFY of V5 fires at commit, when every chunk is there).
CREATE TABLE model_chunks (
    version_id BIGINT NOT NULL REFERENCES model_versions (id) ON DELETE CASCADE,
    seq        INT    NOT NULL CHECK (seq >= 0),
    bytes      BYTEA  NOT NULL,
    PRIMARY KEY (version_id, seq)
);

-- chunks a version has; 0 for versions stored whole in weights before this migration
ALTER TABLE model_versions ADD COLUMN chunks INT NOT NULL DEFAULT 0 CHECK (chunks >= 0);
