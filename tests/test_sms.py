"""SMS through the HTTP provider adapter, against a local fake provider over a real socket,
with the outbox in the real PostgreSQL: one message per key, whatever fails in between."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from temporalio.exceptions import ApplicationError

from activities.call_records import MIGRATIONS
from activities.sms import SMS_MAX_CHARS, HttpGateway, OutboxGateway, SmsActivities
from callcenter.http_server import BackgroundServer
from callcenter.migrations import apply_migrations
from callcenter.settings import Settings
from callcenter.worker import make_sms_gateway
from workflows.models import SmsMessage

TOKEN = "test-sms-token"


class FakeProvider:
    """A JSON SMS provider that dedups by client_message_id, and fails as told."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.delivered: dict[str, dict] = {}
        self.fail_next: list[int] = []  # status codes to answer with, in order
        self.app = FastAPI()
        self.app.post("/send")(self._send)

    async def _send(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append({"auth": request.headers.get("authorization"), **body})
        if self.fail_next:
            status = self.fail_next.pop(0)
            return JSONResponse({"error": "provider trouble"}, status_code=status)
        self.delivered.setdefault(body["client_message_id"], body)
        return JSONResponse({"message_id": f"p-{len(self.delivered)}"})


@pytest.fixture
async def provider():
    fake = FakeProvider()
    server = BackgroundServer(fake.app, "127.0.0.1", 0)
    await server.start()
    try:
        yield fake, f"http://127.0.0.1:{server.port}/send"
    finally:
        await server.stop()


@pytest.fixture
async def pool(make_database):
    pool = await asyncpg.create_pool(await make_database(), min_size=1, max_size=2)
    async with pool.acquire() as conn:
        await apply_migrations(conn, MIGRATIONS, component="callcenter")
    yield pool
    await pool.close()


def message(text: str = "Колесо: замовлення №100123 прийнято.") -> SmsMessage:
    return SmsMessage(key=f"call-{uuid.uuid4()}:sms", phone="+380671234567", text=text)


async def test_provider_error_is_retried_and_the_customer_gets_one_sms(provider, pool) -> None:
    fake, url = provider
    gateway = HttpGateway(url, TOKEN, "Koleso")
    sms = SmsActivities(pool, gateway)
    fake.fail_next = [503]
    msg = message()

    with pytest.raises(RuntimeError, match="503"):
        await sms.send_sms(msg)  # Temporal retries this attempt
    sent = await sms.send_sms(msg)
    again = await sms.send_sms(msg)  # a retry after the worker died past the "sent" mark

    assert sent.status == "sent" and sent.provider_id == "p-1"
    assert again.status == "duplicate"
    assert len(fake.requests) == 2 and len(fake.delivered) == 1  # the third never reached it
    first = fake.requests[0]
    assert first["auth"] == f"Bearer {TOKEN}" and first["sender"] == "Koleso"
    assert first["recipients"] == ["+380671234567"] and first["client_message_id"] == msg.key
    row = await pool.fetchrow("SELECT status, attempts, provider_id FROM callcenter.sms_outbox WHERE key = $1", msg.key)
    assert (row["status"], row["attempts"], row["provider_id"]) == ("sent", 3, "p-1")
    await gateway.aclose()


async def test_refused_message_is_not_retried(provider, pool) -> None:
    fake, url = provider
    gateway = HttpGateway(url, TOKEN, "Koleso")
    fake.fail_next = [400]
    with pytest.raises(ApplicationError) as raised:
        await SmsActivities(pool, gateway).send_sms(message())
    assert raised.value.non_retryable and raised.value.type == "SmsRejected"
    await gateway.aclose()


async def test_long_text_is_cut_at_a_word_to_three_segments(pool) -> None:
    msg = message("шина " * 200)
    await SmsActivities(pool, OutboxGateway()).send_sms(msg)
    body = await pool.fetchval("SELECT body FROM callcenter.sms_outbox WHERE key = $1", msg.key)
    assert len(body) <= SMS_MAX_CHARS and body.endswith("шина…")


def test_http_gateway_needs_its_url_and_token() -> None:
    with pytest.raises(ValueError, match="CALLCENTER_SMS_HTTP_URL"):
        make_sms_gateway(Settings(sms_engine="http"))
    assert isinstance(make_sms_gateway(Settings()), OutboxGateway)
    gateway = make_sms_gateway(Settings(sms_engine="http", sms_http_url="http://x/send", sms_http_token="t"))
    assert isinstance(gateway, HttpGateway)
