"""SMS confirmations through a pluggable gateway, exactly once per idempotency key.

Every message is first claimed in ``callcenter.sms_outbox`` under its key. A key already sent
is answered as a duplicate without touching the provider, so a retried activity (worker crash,
timeout) never texts the customer twice. Between the provider's acceptance and our "sent"
mark a crash can still happen; the key then also goes to the provider as its client message
id, and providers that honour it (and our fake) drop the repeat.

Gateways:
- ``outbox`` (development): the outbox row itself is the message; ops read it from PostgreSQL.
- ``http``: a JSON HTTP provider (bearer token, sender name), the production adapter.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

import asyncpg
import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.metrics import count_sms
from workflows.masking import mask_phone
from workflows.models import SmsMessage, SmsReceipt

log = logging.getLogger("callcenter.sms")

SMS_MAX_CHARS = 402  # three Cyrillic (UCS-2) segments; longer texts are cut at a word


class SmsGateway(ABC):
    name: str

    @abstractmethod
    async def deliver(self, message: SmsMessage) -> str | None:
        """Hand the message to the provider; returns its message id. Raises on failure."""


class OutboxGateway(SmsGateway):
    """Development gateway: the outbox row is the delivered message."""

    name = "outbox"

    async def deliver(self, message: SmsMessage) -> str | None:
        return f"outbox:{message.key}"


class SmsRejected(Exception):
    """The provider refused the message for good (bad number, blocked sender)."""


class HttpGateway(SmsGateway):
    """A JSON HTTP SMS provider: POST {url} with the recipient, sender, text and our message id."""

    name = "http"

    def __init__(self, url: str, token: str, sender: str, timeout_s: float = 10.0) -> None:
        self._url = url
        self._sender = sender
        self._client = httpx.AsyncClient(
            timeout=timeout_s, headers={"Authorization": f"Bearer {token}", "User-Agent": "callcenter-sms"}
        )

    async def deliver(self, message: SmsMessage) -> str | None:
        body = {
            "recipients": [message.phone],
            "sender": self._sender,
            "text": message.text,
            "client_message_id": message.key,
        }
        response = await self._client.post(self._url, json=body)
        if response.status_code >= 500 or response.status_code == 429:
            raise RuntimeError(f"SMS provider answered {response.status_code}")
        if response.status_code >= 400:
            raise SmsRejected(f"SMS provider refused the message: {response.status_code} {response.text[:200]}")
        data = response.json()
        return str(data.get("message_id") or data.get("id") or "") or None

    async def aclose(self) -> None:
        await self._client.aclose()


def fit_sms(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SMS_MAX_CHARS:
        return text
    return text[: SMS_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


_CLAIM = """
INSERT INTO callcenter.sms_outbox (key, phone, body, gateway, status, attempts)
VALUES ($1, $2, $3, $4, 'pending', 1)
ON CONFLICT (key) DO UPDATE SET attempts = callcenter.sms_outbox.attempts + 1
RETURNING status, provider_id
"""
_MARK_SENT = "UPDATE callcenter.sms_outbox SET status = 'sent', provider_id = $2, sent_at = now() WHERE key = $1"


class SmsActivities:
    def __init__(self, pool: asyncpg.Pool, gateway: SmsGateway) -> None:
        self._pool = pool
        self._gateway = gateway

    @activity.defn(name="send_sms")
    async def send_sms(self, message: SmsMessage) -> SmsReceipt:
        message = message.model_copy(update={"text": fit_sms(message.text)})
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(_CLAIM, message.key, message.phone, message.text, self._gateway.name)
        if row["status"] == "sent":
            log.info("sms %s to %s already sent", message.key, mask_phone(message.phone))
            count_sms("duplicate")
            return SmsReceipt(key=message.key, status="duplicate", provider_id=row["provider_id"])
        try:
            provider_id = await self._gateway.deliver(message)
        except SmsRejected as exc:
            count_sms("rejected")
            raise ApplicationError(str(exc), type="SmsRejected", non_retryable=True) from exc
        except Exception:
            count_sms("error")  # retried by Temporal under the same key
            raise
        async with self._pool.acquire() as conn:
            await conn.execute(_MARK_SENT, message.key, provider_id)
        log.info("sms %s to %s sent via %s", message.key, mask_phone(message.phone), self._gateway.name)
        count_sms("sent")
        return SmsReceipt(key=message.key, status="sent", provider_id=provider_id)
