-- Issue 17: limits that hold against hostile readers and across replicas.

-- Channel suggestions per reader and UTC day (the daily quota; counted atomically by an upsert).
CREATE TABLE suggestion_counts (
    reader_id BIGINT NOT NULL,
    day       DATE   NOT NULL,
    n         INT    NOT NULL,
    PRIMARY KEY (reader_id, day)
);
