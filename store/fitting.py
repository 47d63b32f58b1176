"""Tire fitting: the shop's fitting centres, their free slots, and idempotent bookings.

A centre works ``opens``–``closes`` (Kyiv local time) on its working days and has ``bays``
bays; a slot is ``slot_minutes`` long and starts on the grid from ``opens``. A slot is free
while fewer bookings than bays hold it. Booking locks the centre's row, picks the lowest free
bay and inserts; a unique index on (centre, bay, start) backs that up in the database.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import asyncpg

from store.api_models import Booking, BookingRequest, FittingCentre, FittingSlot
from store.errors import ApiProblem, idempotency_conflict, invalid, not_found, request_hash
from store.geography import normalize_city
from store.orders import KYIV, clean_text, iso_local, kyiv_now, lock_key, phone_or_422, upsert_customer

# A slot must start at least this long from now: nobody gets to a centre in five minutes.
BOOKING_LEAD = timedelta(minutes=30)

_MON_SAT = [1, 2, 3, 4, 5, 6]
_EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]

CENTRES: list[FittingCentre] = [
    FittingCentre(
        centre_id="KYIV-POZNYAKY", city="Київ", address="м. Київ, вул. Бориспільська, 9",
        opens="08:00", closes="20:00", working_days=_EVERY_DAY, bays=3, slot_minutes=60,
        phone="+380443334401",
    ),
    FittingCentre(
        centre_id="KYIV-OBOLON", city="Київ", address="м. Київ, просп. Степана Бандери, 21",
        opens="09:00", closes="19:00", working_days=_MON_SAT, bays=2, slot_minutes=30,
        phone="+380443334402",
    ),
    FittingCentre(
        centre_id="LVIV-HORODOTSKA", city="Львів", address="м. Львів, вул. Городоцька, 174",
        opens="08:00", closes="19:00", working_days=_MON_SAT, bays=2, slot_minutes=60,
        phone="+380322334403",
    ),
    FittingCentre(
        centre_id="ODESA-OVIDIOPOLSKA", city="Одеса",
        address="м. Одеса, Овідіопольська дорога, 3", opens="08:00", closes="19:00",
        working_days=_MON_SAT, bays=2, slot_minutes=60, phone="+380482334404",
    ),
    FittingCentre(
        centre_id="DNIPRO-ZAPORIZKE", city="Дніпро", address="м. Дніпро, Запорізьке шосе, 58",
        opens="08:30", closes="18:30", working_days=_MON_SAT, bays=2, slot_minutes=30,
        phone="+380562334405",
    ),
    FittingCentre(
        centre_id="KHARKIV-HEROIV-PRATSI", city="Харків",
        address="м. Харків, вул. Героїв Праці, 7", opens="09:00", closes="18:00",
        working_days=_MON_SAT, bays=1, slot_minutes=60, phone="+380572334406",
    ),
]  # fmt: skip


async def seed_centres(conn: asyncpg.Connection) -> None:
    await conn.executemany(
        """
        INSERT INTO store.fitting_centres
            (centre_id, city, address, phone, opens, closes, working_days, bays, slot_minutes)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (centre_id) DO NOTHING
        """,
        [
            (c.centre_id, c.city, c.address, c.phone, time.fromisoformat(c.opens),
             time.fromisoformat(c.closes), c.working_days, c.bays, c.slot_minutes)
            for c in CENTRES
        ],
    )  # fmt: skip


def _centre(row: asyncpg.Record) -> FittingCentre:
    return FittingCentre(
        centre_id=row["centre_id"],
        city=row["city"],
        address=row["address"],
        opens=row["opens"].strftime("%H:%M"),
        closes=row["closes"].strftime("%H:%M"),
        working_days=list(row["working_days"]),
        bays=row["bays"],
        slot_minutes=row["slot_minutes"],
        phone=row["phone"],
    )


async def list_centres(
    conn: asyncpg.Pool | asyncpg.Connection, city: str | None = None, centre_id: str | None = None
) -> list[FittingCentre]:
    """Centres, optionally of one city (any known spelling) or one id; unknown city → []."""
    city_name: str | None = None
    if city and city.strip():
        city_name = normalize_city(city) or city.strip()
    rows = await conn.fetch(
        "SELECT * FROM store.fitting_centres"
        " WHERE ($1::text IS NULL OR city = $1) AND ($2::text IS NULL OR centre_id = $2)"
        " ORDER BY city, centre_id",
        city_name,
        centre_id,
    )
    return [_centre(r) for r in rows]


def _slot_starts(centre: FittingCentre, day: date) -> list[datetime]:
    """Every slot start of a centre on a day (Kyiv local time), empty on days off."""
    if day.isoweekday() not in centre.working_days:
        return []
    step = timedelta(minutes=centre.slot_minutes)
    start = datetime.combine(day, time.fromisoformat(centre.opens), KYIV)
    end = datetime.combine(day, time.fromisoformat(centre.closes), KYIV)
    starts: list[datetime] = []
    while start + step <= end:
        starts.append(start)
        start += step
    return starts


async def free_slots(
    pool: asyncpg.Pool,
    *,
    city: str | None = None,
    centre_id: str | None = None,
    date_from: date | None = None,
    days: int = 3,
    limit: int = 10,
    now: datetime | None = None,
) -> list[FittingSlot]:
    """Free slots from ``date_from`` (default today) for ``days`` days, earliest first."""
    now = now or kyiv_now()
    centres = await list_centres(pool, city, centre_id)
    if not centres:
        if centre_id is not None and not await list_centres(pool, centre_id=centre_id):
            raise not_found(f"no fitting centre {centre_id!r}")
        return []
    first = date_from or now.astimezone(KYIV).date()
    window_start = datetime.combine(first, time(0), KYIV)
    window_end = datetime.combine(first + timedelta(days=days), time(0), KYIV)
    taken: dict[tuple[str, datetime], int] = {
        (r["centre_id"], r["start_at"]): r["n"]
        for r in await pool.fetch(
            """
            SELECT centre_id, start_at, count(*) AS n FROM store.fitting_bookings
            WHERE status = 'booked' AND centre_id = ANY($1::text[])
              AND start_at >= $2 AND start_at < $3
            GROUP BY centre_id, start_at
            """,
            [c.centre_id for c in centres],
            window_start,
            window_end,
        )
    }
    slots: list[tuple[datetime, FittingSlot]] = []
    earliest = now + BOOKING_LEAD
    for offset in range(days):
        day = first + timedelta(days=offset)
        for centre in centres:
            for start in _slot_starts(centre, day):
                if start < earliest:
                    continue
                free = centre.bays - taken.get((centre.centre_id, start), 0)
                if free <= 0:
                    continue
                slots.append(
                    (
                        start,
                        FittingSlot(
                            centre_id=centre.centre_id,
                            start=iso_local(start),
                            minutes=centre.slot_minutes,
                            city=centre.city,
                            address=centre.address,
                            free_bays=free,
                        ),
                    )
                )
    slots.sort(key=lambda s: (s[0], s[1].centre_id))
    return [slot for _, slot in slots[:limit]]


def parse_start(text: str) -> datetime:
    """A slot start as given by a client: ISO 8601, with an offset or in Kyiv local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise invalid(f"start: not an ISO 8601 date and time (got {text!r})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KYIV)
    return moment.astimezone(KYIV)


def _check_slot(centre: FittingCentre, start: datetime, now: datetime) -> None:
    if start not in _slot_starts(centre, start.date()):
        raise ApiProblem(
            422,
            "invalid_slot",
            f"{iso_local(start)} is not a slot start of {centre.centre_id}: it works"
            f" {centre.opens}-{centre.closes} on ISO weekdays {centre.working_days},"
            f" slots of {centre.slot_minutes} minutes",
        )
    if start < now + BOOKING_LEAD:
        raise ApiProblem(422, "invalid_slot", f"{iso_local(start)} is in the past or too soon")


async def book(
    pool: asyncpg.Pool, req: BookingRequest, idempotency_key: str, *, now: datetime | None = None
) -> tuple[Booking, bool]:
    """Book once per key: (booking, True) when booked now, (booking, False) on replay.

    Raises ApiProblem: 404 unknown centre, 409 slot_taken, 409 idempotency_conflict,
    422 invalid_slot / invalid_request.
    """
    digest = request_hash(req)
    now = now or kyiv_now()
    phone = phone_or_422(req.phone)
    start = parse_start(req.start)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await lock_key(conn, "booking", idempotency_key)  # one key, one request at a time
            replay = await _replay(conn, idempotency_key, digest)
            if replay is not None:
                return replay, False
            # Locking the centre serializes its bookings: the bay count below stays true.
            row = await conn.fetchrow(
                "SELECT * FROM store.fitting_centres WHERE centre_id = $1 FOR UPDATE",
                req.centre_id,
            )
            if row is None:
                raise not_found(f"no fitting centre {req.centre_id!r}")
            centre = _centre(row)
            _check_slot(centre, start, now)
            busy = {
                r["bay"]
                for r in await conn.fetch(
                    "SELECT bay FROM store.fitting_bookings"
                    " WHERE centre_id = $1 AND start_at = $2 AND status = 'booked'",
                    centre.centre_id,
                    start,
                )
            }
            bay = next((b for b in range(1, centre.bays + 1) if b not in busy), None)
            if bay is None:
                raise ApiProblem(
                    409, "slot_taken", f"{iso_local(start)} at {centre.centre_id} is no longer free"
                )
            customer_id = await upsert_customer(conn, phone, req.customer_name, None)
            number = str(await conn.fetchval("SELECT nextval('store.booking_number_seq')"))
            await conn.execute(
                """
                INSERT INTO store.fitting_bookings (
                    number, centre_id, bay, start_at, minutes, customer_id, phone, customer_name,
                    vehicle, tire_size, order_number, created_at, idempotency_key, request_hash)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                """,
                number, centre.centre_id, bay, start, centre.slot_minutes, customer_id, phone,
                clean_text(req.customer_name), clean_text(req.vehicle), clean_text(req.tire_size),
                clean_text(req.order_number), now, idempotency_key, digest,
            )  # fmt: skip
            booking = await _load_booking(conn, number)
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "fitting_bookings_idempotency_key_key":
            replay = await _replay(pool, idempotency_key, digest)
            if replay is not None:
                return replay, False
        if exc.constraint_name == "fitting_bookings_bay_slot_idx":
            raise ApiProblem(409, "slot_taken", f"{req.start} is no longer free") from None
        raise
    assert booking is not None
    return booking, True


async def _replay(
    pool: asyncpg.Pool | asyncpg.Connection, key: str, digest: str
) -> Booking | None:
    row = await pool.fetchrow(
        "SELECT number, request_hash FROM store.fitting_bookings WHERE idempotency_key = $1", key
    )
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise idempotency_conflict(key)
    return await _load_booking(pool, row["number"])


async def _load_booking(conn: asyncpg.Pool | asyncpg.Connection, number: str) -> Booking | None:
    row = await conn.fetchrow(
        """
        SELECT b.*, c.address, c.city FROM store.fitting_bookings b
        JOIN store.fitting_centres c USING (centre_id) WHERE b.number = $1
        """,
        number,
    )
    if row is None:
        return None
    return Booking(
        number=row["number"],
        centre_id=row["centre_id"],
        centre_address=row["address"],
        city=row["city"],
        start=iso_local(row["start_at"]),
        minutes=row["minutes"],
        phone=row["phone"],
        customer_name=row["customer_name"],
        vehicle=row["vehicle"],
        tire_size=row["tire_size"],
        order_number=row["order_number"],
        status=row["status"],
        created_at=iso_local(row["created_at"]),
    )


async def get_booking(pool: asyncpg.Pool, number: str) -> Booking | None:
    return await _load_booking(pool, number.strip())
