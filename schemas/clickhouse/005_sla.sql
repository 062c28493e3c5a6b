-- SLA policies (docs/sla.md). Numbered 005: 004 is left to the helpdesk_url column being added
-- beside this work. Each conversation row says its priority, its policy now, the targets still
-- running and those missed whose miss is not logged yet (their target has not closed: the chat
-- still waits); deskpulse report adds these to the logged outcomes, as the core does.
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS priority LowCardinality(String) DEFAULT 'normal';
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS sla_policy LowCardinality(String) DEFAULT 'default';
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS sla_active Array(LowCardinality(String));
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS sla_missed Array(LowCardinality(String));

-- One row per logged outcome (a next-response target has one per waiting period): hit or
-- missed, under the policy in force when it fell, at its moment.
CREATE TABLE IF NOT EXISTS sla_outcomes
(
    conversation_id  String,
    line             LowCardinality(String),
    customer         String,
    team             LowCardinality(String),
    policy           LowCardinality(String),
    -- first_response | next_response | resolution
    target           LowCardinality(String),
    -- hit | missed
    outcome          LowCardinality(String),
    decided_at       DateTime64(3, 'UTC'),
    version          UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toDate(decided_at)
ORDER BY (conversation_id, target, decided_at);
