-- What calls promised and what came of it: order and booking numbers on the call record,
-- the SMS outbox (one row per idempotency key: one SMS per key), and back-office tasks.
ALTER TABLE callcenter.calls ADD COLUMN IF NOT EXISTS order_number text;
ALTER TABLE callcenter.calls ADD COLUMN IF NOT EXISTS booking_number text;
ALTER TABLE callcenter.calls ADD COLUMN IF NOT EXISTS fulfilments jsonb NOT NULL DEFAULT '[]'::jsonb;
CREATE INDEX IF NOT EXISTS calls_order_number ON callcenter.calls (order_number) WHERE order_number IS NOT NULL;

CREATE TABLE IF NOT EXISTS callcenter.sms_outbox (
    key          text PRIMARY KEY,
    phone        text NOT NULL,
    body         text NOT NULL,
    gateway      text NOT NULL,
    status       text NOT NULL,           -- pending, sent
    provider_id  text,
    attempts     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);

CREATE TABLE IF NOT EXISTS callcenter.ops_tasks (
    id          bigserial PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    kind        text NOT NULL,            -- order_refused, booking_refused, callback
    call_id     text NOT NULL,
    phone       text NOT NULL,
    reference   text NOT NULL DEFAULT '',
    detail      text NOT NULL,
    status      text NOT NULL DEFAULT 'open',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ops_tasks_open ON callcenter.ops_tasks (created_at) WHERE status = 'open';

-- A fulfilment that finishes after the call record was written updates it here.
CREATE TABLE IF NOT EXISTS callcenter.call_fulfilments (
    call_id     text NOT NULL,
    kind        text NOT NULL,
    number      text,
    status      text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_id, kind)
);
