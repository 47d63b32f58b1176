-- Reference store write side: customers, orders (lines, stock allocations, status history),
-- tire-fitting centres and bookings. Applied once by store/migrate.py.

CREATE SEQUENCE IF NOT EXISTS store.customer_id_seq START WITH 1001;

CREATE TABLE IF NOT EXISTS store.customers (
    customer_id text PRIMARY KEY,
    phone       text NOT NULL UNIQUE,  -- E.164, +380XXXXXXXXX
    name        text,
    city        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- New orders get 100101, 100102, ...; the demo orders seeded by store/demo_data.py sit below.
CREATE SEQUENCE IF NOT EXISTS store.order_number_seq START WITH 100101;

CREATE TABLE IF NOT EXISTS store.orders (
    number            text PRIMARY KEY CHECK (number ~ '^[0-9]+$'),
    customer_id       text NOT NULL REFERENCES store.customers (customer_id),
    phone             text NOT NULL,
    customer_name     text,
    status            text NOT NULL CHECK (status IN (
                          'new', 'confirmed', 'packed', 'shipped', 'ready_for_pickup',
                          'delivered', 'cancelled')),
    delivery_method   text NOT NULL CHECK (delivery_method IN ('nova_poshta', 'courier', 'pickup')),
    delivery_city     text NOT NULL,
    delivery_branch   text,
    delivery_address  text,
    delivery_cost_uah integer NOT NULL CHECK (delivery_cost_uah >= 0),
    delivery_days     smallint NOT NULL,
    total_uah         integer NOT NULL CHECK (total_uah >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    expected_delivery date,
    tracking_number   text,
    -- The client's Idempotency-Key and a hash of the body it came with (NULL for seeded orders).
    idempotency_key   text UNIQUE,
    request_hash      text
);

CREATE INDEX IF NOT EXISTS orders_phone_idx ON store.orders (phone, created_at DESC);

CREATE TABLE IF NOT EXISTS store.order_lines (
    number    text     NOT NULL REFERENCES store.orders (number) ON DELETE CASCADE,
    line_no   smallint NOT NULL,
    sku       text     NOT NULL REFERENCES store.tires (sku),
    brand     text     NOT NULL,
    model     text     NOT NULL,
    size      text     NOT NULL,
    season    text     NOT NULL,
    quantity  integer  NOT NULL CHECK (quantity > 0),
    price_uah integer  NOT NULL CHECK (price_uah > 0),  -- one tire, at the time of the order
    PRIMARY KEY (number, line_no)
);

-- Which warehouse gave how many tires to an order (what a cancellation would put back).
CREATE TABLE IF NOT EXISTS store.order_allocations (
    number       text    NOT NULL REFERENCES store.orders (number) ON DELETE CASCADE,
    sku          text    NOT NULL,
    warehouse_id text    NOT NULL REFERENCES store.warehouses (warehouse_id),
    quantity     integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (number, sku, warehouse_id)
);

CREATE TABLE IF NOT EXISTS store.order_status_history (
    id     bigserial PRIMARY KEY,
    number text NOT NULL REFERENCES store.orders (number) ON DELETE CASCADE,
    status text NOT NULL,
    at     timestamptz NOT NULL,
    note   text
);

CREATE INDEX IF NOT EXISTS order_status_history_number_idx
    ON store.order_status_history (number, at, id);

CREATE TABLE IF NOT EXISTS store.fitting_centres (
    centre_id    text PRIMARY KEY,
    city         text       NOT NULL,
    address      text       NOT NULL,
    phone        text,
    opens        time       NOT NULL,  -- local time, Europe/Kyiv
    closes       time       NOT NULL,
    working_days smallint[] NOT NULL,  -- ISO weekdays, 1 = Monday
    bays         smallint   NOT NULL CHECK (bays > 0),
    slot_minutes smallint   NOT NULL CHECK (slot_minutes IN (30, 60)),
    CHECK (opens < closes)
);

CREATE SEQUENCE IF NOT EXISTS store.booking_number_seq START WITH 500001;

CREATE TABLE IF NOT EXISTS store.fitting_bookings (
    number          text PRIMARY KEY CHECK (number ~ '^[0-9]+$'),
    centre_id       text        NOT NULL REFERENCES store.fitting_centres (centre_id),
    bay             smallint    NOT NULL,
    start_at        timestamptz NOT NULL,
    minutes         smallint    NOT NULL,
    customer_id     text REFERENCES store.customers (customer_id),
    phone           text        NOT NULL,
    customer_name   text,
    vehicle         text,
    tire_size       text,
    order_number    text,
    status          text        NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    idempotency_key text UNIQUE,
    request_hash    text
);

-- One booking per bay and slot: the database itself refuses a double booking.
CREATE UNIQUE INDEX IF NOT EXISTS fitting_bookings_bay_slot_idx
    ON store.fitting_bookings (centre_id, bay, start_at) WHERE status = 'booked';
CREATE INDEX IF NOT EXISTS fitting_bookings_centre_start_idx
    ON store.fitting_bookings (centre_id, start_at);
