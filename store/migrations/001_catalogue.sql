-- Reference store catalogue: tires, warehouses, stock per warehouse, vehicle fitment.
-- Applied once by store/migrate.py (recorded in store.schema_migrations).

CREATE SCHEMA IF NOT EXISTS store;

CREATE TABLE IF NOT EXISTS store.tires (
    sku            text PRIMARY KEY,
    brand          text     NOT NULL,
    model          text     NOT NULL,
    width          smallint NOT NULL,
    profile        smallint NOT NULL,
    rim            smallint NOT NULL,
    season         text     NOT NULL CHECK (season IN ('summer', 'winter', 'all_season')),
    studded        boolean  NOT NULL DEFAULT false,
    load_index     smallint NOT NULL,
    speed_index    text     NOT NULL,
    run_flat       boolean  NOT NULL DEFAULT false,
    price_uah      integer  NOT NULL CHECK (price_uah > 0),  -- one tire, whole hryvnias
    eu_fuel        char(1)  NOT NULL CHECK (eu_fuel BETWEEN 'A' AND 'E'),
    eu_wet_grip    char(1)  NOT NULL CHECK (eu_wet_grip BETWEEN 'A' AND 'E'),
    eu_noise_db    smallint NOT NULL,
    description_uk text     NOT NULL
);

-- The agent almost always searches by exact size (and usually season).
CREATE INDEX IF NOT EXISTS tires_size_idx ON store.tires (width, profile, rim, season);
CREATE INDEX IF NOT EXISTS tires_brand_idx ON store.tires (lower(brand));

CREATE TABLE IF NOT EXISTS store.warehouses (
    warehouse_id text PRIMARY KEY,
    city         text NOT NULL,
    name         text NOT NULL
);

CREATE TABLE IF NOT EXISTS store.stock (
    sku          text    NOT NULL REFERENCES store.tires (sku) ON DELETE CASCADE,
    warehouse_id text    NOT NULL REFERENCES store.warehouses (warehouse_id),
    quantity     integer NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (sku, warehouse_id)
);

CREATE TABLE IF NOT EXISTS store.fitment (
    id         serial PRIMARY KEY,
    make       text       NOT NULL,
    model      text       NOT NULL,
    generation text,
    year_from  smallint   NOT NULL,
    year_to    smallint,             -- NULL: still produced
    sizes      text[]     NOT NULL,  -- "205/55 R16"
    -- Normalized lookup keys (store.catalogue.lookup_key) of names and aliases, Cyrillic too.
    make_keys  text[]     NOT NULL,
    model_keys text[]     NOT NULL
);

CREATE INDEX IF NOT EXISTS fitment_make_keys_idx ON store.fitment USING gin (make_keys);
