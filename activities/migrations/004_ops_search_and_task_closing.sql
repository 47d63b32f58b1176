-- The ops page (issue 17, item 12): find a call by its order or booking number, close a
-- back-office task with who closed it and when.
-- Every order / booking number a call got, also the second order's (calls.order_number keeps one).
CREATE INDEX IF NOT EXISTS calls_booking_number ON callcenter.calls (booking_number) WHERE booking_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS call_fulfilments_number ON callcenter.call_fulfilments (number) WHERE number IS NOT NULL;
-- Paging newest first: (started_at, call_id) is the order of the list.
CREATE INDEX IF NOT EXISTS calls_started_at_call_id ON callcenter.calls (started_at DESC, call_id DESC);

ALTER TABLE callcenter.ops_tasks ADD COLUMN IF NOT EXISTS closed_by text;
ALTER TABLE callcenter.ops_tasks ADD COLUMN IF NOT EXISTS closed_at timestamptz;
ALTER TABLE callcenter.ops_tasks ADD COLUMN IF NOT EXISTS close_note text;
CREATE INDEX IF NOT EXISTS ops_tasks_closed ON callcenter.ops_tasks (closed_at) WHERE closed_at IS NOT NULL;
