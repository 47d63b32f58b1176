-- The durable record of every call: who, when, how it ended, what was said and done.
CREATE SCHEMA IF NOT EXISTS callcenter;

CREATE TABLE IF NOT EXISTS callcenter.calls (
    call_id        uuid PRIMARY KEY,
    caller_number  text NOT NULL,
    dialled_number text NOT NULL DEFAULT '',
    edge_id        text NOT NULL,
    started_at     timestamptz NOT NULL,
    ended_at       timestamptz NOT NULL,
    duration_s     double precision GENERATED ALWAYS AS (EXTRACT(EPOCH FROM ended_at - started_at)) STORED,
    outcome        text NOT NULL,
    hangup_reason  text NOT NULL,
    scenarios      text[] NOT NULL DEFAULT '{}',
    turns          integer NOT NULL,
    transcript     jsonb NOT NULL,
    tool_calls     jsonb NOT NULL,
    latencies      jsonb NOT NULL,
    transfer       jsonb,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS calls_started_at ON callcenter.calls (started_at);
CREATE INDEX IF NOT EXISTS calls_caller ON callcenter.calls (caller_number);
CREATE INDEX IF NOT EXISTS calls_outcome ON callcenter.calls (outcome);
