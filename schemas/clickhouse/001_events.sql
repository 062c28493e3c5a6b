-- Every canonical event, as published to JetStream. Replacing on (…, event_id): a redelivered
-- event collapses to one row (docs/kpis.md "Aggregation rules": a duplicate changes nothing).
CREATE TABLE IF NOT EXISTS events
(
    event_id     String,
    kind         LowCardinality(String),
    at           DateTime64(3, 'UTC'),
    received_at  DateTime64(3, 'UTC'),
    source       LowCardinality(String),
    line         LowCardinality(String),
    customer     String,
    stream_seq   UInt64,
    payload      String CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(stream_seq)
PARTITION BY toDate(at)
ORDER BY (line, kind, at, event_id);
