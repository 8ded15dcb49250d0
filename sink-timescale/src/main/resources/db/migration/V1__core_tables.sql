-- Core tables of the compliance history. Time-series layout (hypertables or plain-PostgreSQL
-- equivalents) is added by V2 (Java), which detects the TimescaleDB extension.

CREATE TYPE compliance_status AS ENUM ('SATISFIED', 'NOT_SATISFIED', 'PARTIALLY_SATISFIED', 'NOT_APPLICABLE', 'UNKNOWN');

-- Every enriched record; time = observed_at; one row per record_id.
CREATE TABLE compliance_records (
    record_id          text              NOT NULL,
    org_id             text              NOT NULL,
    framework          text              NOT NULL,
    control_id         text              NOT NULL,
    objective_id       text,
    status             compliance_status NOT NULL,
    score              double precision  CHECK (score >= 0 AND score <= 100),
    observed_at        timestamptz       NOT NULL,
    source             text              NOT NULL,
    method             text              NOT NULL CHECK (method IN ('EXAMINE', 'INTERVIEW', 'TEST', 'AUTOMATED', 'OTHER')),
    subject            text,
    title              text,
    description        text,
    evidence_uris      text[]            NOT NULL DEFAULT '{}',
    tags               jsonb             NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(tags) = 'object'),
    control_title      text,
    family             text,
    family_title       text,
    parent_control_id  text,
    baselines          text[]            NOT NULL DEFAULT '{}',
    weight             double precision,
    org_name           text,
    sector             text,
    region             text,
    flags              text[]            NOT NULL DEFAULT '{}',
    ingested_at        timestamptz       NOT NULL,
    enriched_at        timestamptz       NOT NULL,
    stored_at          timestamptz       NOT NULL DEFAULT now()
);
-- Deliberately no secondary b-tree indexes: each one costs ~25% of the write rate measured here.
-- Lookups by record_id use the primary key, time ranges a BRIN index (plain PostgreSQL) or the
-- chunks (TimescaleDB); per-org questions are answered by the rollups and by Elasticsearch.

-- Latest status per org/framework/control: a newer observed_at wins, ties broken by record_id.
CREATE TABLE control_status (
    org_id       text              NOT NULL,
    framework    text              NOT NULL,
    control_id   text              NOT NULL,
    status       compliance_status NOT NULL,
    observed_at  timestamptz       NOT NULL,
    record_id    text              NOT NULL,
    score        double precision,
    family       text,
    weight       double precision  NOT NULL,
    updated_at   timestamptz       NOT NULL,
    PRIMARY KEY (org_id, framework, control_id)
);
CREATE INDEX control_status_failing ON control_status (org_id, framework, status);

-- Every score change (time series).
CREATE TABLE compliance_scores (
    org_id                        text             NOT NULL,
    framework                     text             NOT NULL,
    updated_at                    timestamptz      NOT NULL,
    score                         double precision NOT NULL CHECK (score >= 0 AND score <= 100),
    satisfied_weight              double precision NOT NULL,
    applicable_weight             double precision NOT NULL,
    controls_satisfied            integer          NOT NULL,
    controls_partially_satisfied  integer          NOT NULL,
    controls_not_satisfied        integer          NOT NULL,
    controls_not_applicable       integer          NOT NULL,
    controls_unknown              integer          NOT NULL,
    PRIMARY KEY (org_id, framework, updated_at)
);

-- Hourly counts; the stream processor emits updates, the latest one wins.
CREATE TABLE compliance_stats_hourly (
    org_id        text              NOT NULL,
    framework     text              NOT NULL,
    status        compliance_status NOT NULL,
    family        text              NOT NULL,
    window_start  timestamptz       NOT NULL,
    window_end    timestamptz       NOT NULL,
    count         bigint            NOT NULL CHECK (count >= 0),
    updated_at    timestamptz       NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, framework, status, family, window_start)
);

-- Kafka positions, written in the same transaction as the rows they cover.
CREATE TABLE sink_offsets (
    consumer_group  text        NOT NULL,
    topic           text        NOT NULL,
    partition       integer     NOT NULL,
    next_offset     bigint      NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);
