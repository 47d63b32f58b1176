-- A call may confirm more than one order or booking: one note per fulfilment, keyed by its
-- idempotency key, so a second order's note no longer overwrites the first's.
ALTER TABLE callcenter.call_fulfilments ADD COLUMN IF NOT EXISTS key text;
UPDATE callcenter.call_fulfilments SET key = call_id || ':' || kind WHERE key IS NULL;
ALTER TABLE callcenter.call_fulfilments ALTER COLUMN key SET NOT NULL;
ALTER TABLE callcenter.call_fulfilments DROP CONSTRAINT IF EXISTS call_fulfilments_pkey;
ALTER TABLE callcenter.call_fulfilments ADD PRIMARY KEY (call_id, key);
