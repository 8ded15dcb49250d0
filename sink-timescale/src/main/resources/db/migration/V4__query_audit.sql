-- The query API's audit trail (topic compliance.query-audit.v1): one row per query answered or
-- refused, written once (query_id is the idempotency key, so a replay changes nothing).
CREATE TABLE query_audit (
    query_id         text        PRIMARY KEY,
    key_id           text,
    route            text        NOT NULL,
    parameters       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
    org_scope        text[]      NOT NULL DEFAULT '{}',
    status           integer     NOT NULL,
    result_count     bigint      NOT NULL,
    source           text,
    duration_micros  bigint      NOT NULL,
    at               timestamptz NOT NULL,
    stored_at        timestamptz NOT NULL DEFAULT now()
);
-- "What did this key ask, and when": the usual audit question.
CREATE INDEX query_audit_key_at ON query_audit (key_id, at);
CREATE INDEX query_audit_at_brin ON query_audit USING brin (at);
