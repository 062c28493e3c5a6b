-- The processor's facts (docs/architecture.md "ClickHouse"). Every table replaces by `version` (the
-- stream sequence the row was computed at, rank in the low bits), so a batch written again after
-- a crash or a replay collapses to one row: reads use FINAL or argMax.

-- One row per conversation with every timing and outcome (docs/kpis.md), the newest version wins.
CREATE TABLE IF NOT EXISTS conversations
(
    conversation_id        String,
    line                   LowCardinality(String),
    customer               String,
    team                   LowCardinality(String),
    agent                  LowCardinality(String),
    category               LowCardinality(String),
    opened_at              DateTime64(3, 'UTC'),
    open                   UInt8,
    -- bot | unassigned | awaiting_agent | awaiting_customer while open, resolved after.
    state                  LowCardinality(String),
    waiting_since          Nullable(DateTime64(3, 'UTC')),
    last_customer_at       DateTime64(3, 'UTC'),
    last_message_at        DateTime64(3, 'UTC'),
    handoff_at             Nullable(DateTime64(3, 'UTC')),
    first_assigned_at      Nullable(DateTime64(3, 'UTC')),
    first_human_at         Nullable(DateTime64(3, 'UTC')),
    first_resolved_at      Nullable(DateTime64(3, 'UTC')),
    resolved_at            Nullable(DateTime64(3, 'UTC')),
    resolved_by            LowCardinality(String),
    frt_seconds            Nullable(Float64),
    frt_business_seconds   Nullable(Float64),
    assignment_seconds     Nullable(Float64),
    bot_first_seconds      Nullable(Float64),
    resolution_seconds     Nullable(Float64),
    full_resolution_seconds Array(Float64),
    nrt_seconds            Array(Float64),
    nrt_business_seconds   Array(Float64),
    messages_in            UInt32,
    messages_out           UInt32,
    warnings               UInt16,
    breaches               UInt16,
    missed                 UInt8,
    reopened               UInt8,
    bot_answered           UInt8,
    handed_off             UInt8,
    contained              UInt8,
    several_writers        UInt8,
    -- Explicitly resolved, FCR verdict not yet known (the verdict is in fcr_verdicts).
    fcr_pending            UInt8,
    csat                   Nullable(UInt8),
    sentiment_mean         Nullable(Float64),
    sentiment_sum          Float64,
    sentiment_count        UInt32,
    negative_messages      UInt32,
    version                UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(opened_at)
ORDER BY (line, opened_at, conversation_id);

-- FCR verdicts fall up to repeat_window after the resolution, often after the conversation has
-- left the processor's memory: kept apart so the conversation's row need not be rewritten.
CREATE TABLE IF NOT EXISTS fcr_verdicts
(
    conversation_id  String,
    line             LowCardinality(String),
    customer         String,
    fcr              UInt8,
    version          UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (conversation_id);

-- Per minute × line × team × stream partition, from the core's effects: the dashboards' rollup.
-- Counts may be negative in one minute: a replaced CSAT score moves its response to the newer minute.
-- Each partition's processor writes its own cells: read with FINAL, then sum over `partition`.
CREATE TABLE IF NOT EXISTS kpi_minute
(
    minute              DateTime('UTC'),
    -- The stream partition (deskpulse.ev.<partition>.…) whose events the cell counts; 0 when one
    -- processor reads the whole stream.
    partition           UInt16,
    line                LowCardinality(String),
    team                LowCardinality(String),
    opened              UInt32,
    resolved            UInt32,
    frt_count           UInt32,
    frt_sum             Float64,
    frt_within_target   UInt32,
    frt_samples         Array(Float32),
    nrt_samples         Array(Float32),
    assignment_samples  Array(Float32),
    resolution_samples  Array(Float32),
    bot_first_samples   Array(Float32),
    warnings            UInt32,
    breaches            UInt32,
    missed              UInt32,
    csat_responses      Int32,
    csat_positive       Int32,
    csat_sum            Int32,
    version             UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(minute)
ORDER BY (line, team, minute, partition);

-- Per minute × agent × stream partition, cumulative since the partition's state began
-- (differences give any interval), plus the point-in-time load at the minute's end. Every
-- partition hears every agent's status, so online_seconds_total is the same in each; active,
-- occupied and load count the partition's own conversations (sum `active` over partitions).
CREATE TABLE IF NOT EXISTS agent_minute
(
    minute                 DateTime('UTC'),
    partition              UInt16,
    agent                  LowCardinality(String),
    team                   LowCardinality(String),
    online                 UInt8,
    active                 UInt16,
    capacity               UInt16,
    online_seconds_total   Float64,
    occupied_seconds_total Float64,
    load_seconds_total     Float64,
    version                UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(minute)
ORDER BY (agent, minute, partition);

-- One row per conversation × waiting period × level: fired, then answered or retracted.
CREATE TABLE IF NOT EXISTS escalations
(
    conversation_id  String,
    line             LowCardinality(String),
    customer         String,
    team             LowCardinality(String),
    agent            LowCardinality(String),
    level            LowCardinality(String),
    waiting_since    DateTime64(3, 'UTC'),
    fired_at         DateTime64(3, 'UTC'),
    ended_at         Nullable(DateTime64(3, 'UTC')),
    -- firing | answered | retracted
    outcome          LowCardinality(String),
    version          UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(waiting_since)
ORDER BY (line, waiting_since, conversation_id, level);
