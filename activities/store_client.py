"""Async client for the shop's Store API, sized for use during a live phone call.

A caller is waiting on the line, so every read has a hard total deadline (default 2 s,
connect 0.5 s). Writes (create_order, book_fitting) run in retried activities after the turn,
so they get a longer deadline (default 10 s); every method takes ``timeout_s=`` to override.
Failures come back as typed errors the agent can turn into an apology or a retry:

- ``StoreUnavailable`` (timeout, connection error, 5xx, garbage response): retryable. A write
  that fails so may still have happened: retry it with the same idempotency key.
- ``StoreRejected`` (a 4xx): not retryable; ``.error`` is the store's code, e.g. out_of_stock,
  slot_taken, idempotency_conflict, invalid_slot, invalid_request.
- ``StoreNotFound`` (a ``StoreRejected``): a 404 where the thing must exist. Look-ups whose
  answer may be "none" (get_tire, get_order, get_booking, customer_by_phone) return None.

Messages name the failure, the method and the URL path only, never the host, query or
credentials.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from collections.abc import Callable
from typing import Any, Literal, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter, ValidationError

from store.api_models import (
    Availability,
    Booking,
    BookingRequest,
    Customer,
    FittingCentre,
    FittingSlot,
    Health,
    Order,
    OrderDraft,
    OrderQuote,
    Tire,
    TireQuery,
    TireSearchResult,
    VehicleFitment,
)

UnavailableReason = Literal["timeout", "connection", "server_error", "bad_response"]

T = TypeVar("T")

_FITMENT_LIST = TypeAdapter(list[VehicleFitment])
_ORDER_LIST = TypeAdapter(list[Order])
_CENTRE_LIST = TypeAdapter(list[FittingCentre])
_SLOT_LIST = TypeAdapter(list[FittingSlot])


class StoreError(Exception):
    """Base of the store client's errors."""

    def __init__(
        self, message: str, *, path: str, status: int | None = None, method: str = "GET"
    ) -> None:
        super().__init__(message)
        self.path = path
        self.status = status
        self.method = method


class StoreUnavailable(StoreError):
    """The store did not answer usefully: retry later or apologise to the caller."""

    def __init__(
        self,
        reason: UnavailableReason,
        *,
        path: str,
        status: int | None = None,
        detail: str = "",
        method: str = "GET",
    ) -> None:
        message = f"store unavailable ({reason}) on {method} {path}"
        if status is not None:
            message += f": HTTP {status}"
        if detail:
            message += f" ({detail})"
        super().__init__(message, path=path, status=status, method=method)
        self.reason: UnavailableReason = reason


class StoreRejected(StoreError):
    """The store refused the request (a 4xx): retrying the same request cannot help."""

    def __init__(
        self, *, path: str, status: int, error: str, detail: str, method: str = "GET"
    ) -> None:
        super().__init__(
            f"store rejected {method} {path}: HTTP {status} {error}: {detail}",
            path=path,
            status=status,
            method=method,
        )
        self.error = error
        self.detail = detail


class StoreNotFound(StoreRejected):
    """404 where the thing must exist (availability of an unknown SKU, slots of an unknown centre).

    A StoreRejected, so code that handles rejections handles it too: asking about a SKU
    the store never had is a wrong parameter on our side.
    """

    def __init__(self, *, path: str, detail: str, method: str = "GET") -> None:
        super().__init__(path=path, status=404, error="not_found", detail=detail, method=method)


class StoreClient:
    """Pooled HTTP client for the Store API; create once per process and reuse."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 2.0,
        write_timeout_s: float = 10.0,
        connect_timeout_s: float = 0.5,
        max_connections: int = 50,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``timeout_s`` bounds reads (on the live call), ``write_timeout_s`` writes."""
        self.timeout_s = timeout_s
        self.write_timeout_s = write_timeout_s
        self.connect_timeout_s = connect_timeout_s
        # httpx timeouts are per phase (connect, each read...); asyncio.timeout() in _request
        # enforces the total a caller actually waits.
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            # One retry of a failed *connect* covers a stale pooled connection cheaply (safe
            # for writes too: nothing was sent).
            transport=transport or httpx.AsyncHTTPTransport(retries=1),
            headers={"accept": "application/json"},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- catalogue --------------------------------------------------------------------------

    async def search_tires(self, q: TireQuery, *, timeout_s: float | None = None) -> TireSearchResult:
        path = "/v1/tires"
        response = await self._request("GET", path, params=q.to_params(), timeout_s=timeout_s)
        return self._parse(response, TireSearchResult.model_validate, path)

    async def get_tire(self, sku: str, *, timeout_s: float | None = None) -> Tire | None:
        path = f"/v1/tires/{_segment(sku)}"
        response = await self._request("GET", path, allow_404=True, timeout_s=timeout_s)
        if response.status_code == 404:
            return None
        return self._parse(response, Tire.model_validate, path)

    async def availability(
        self, sku: str, city: str | None = None, *, timeout_s: float | None = None
    ) -> Availability:
        path = f"/v1/tires/{_segment(sku)}/availability"
        params = {"city": city} if city else None
        response = await self._request("GET", path, params=params, timeout_s=timeout_s)
        return self._parse(response, Availability.model_validate, path)

    async def fitment(
        self, make: str, model: str, year: int | None = None, *, timeout_s: float | None = None
    ) -> list[VehicleFitment]:
        params: dict[str, str] = {"make": make, "model": model}
        if year is not None:
            params["year"] = str(year)
        path = "/v1/vehicles/fitment"
        response = await self._request("GET", path, params=params, timeout_s=timeout_s)
        return self._parse(response, _FITMENT_LIST.validate_python, path)

    async def health(self, *, timeout_s: float | None = None) -> Health:
        response = await self._request("GET", "/health", timeout_s=timeout_s)
        return self._parse(response, Health.model_validate, "/health")

    # -- customers and orders -------------------------------------------------------------

    async def customer_by_phone(
        self, phone: str, *, timeout_s: float | None = None
    ) -> Customer | None:
        """The shop's customer with this phone (+380XXXXXXXXX or 0XXXXXXXXX), or None."""
        path = f"/v1/customers/by-phone/{_segment(phone)}"
        response = await self._request("GET", path, allow_404=True, timeout_s=timeout_s)
        if response.status_code == 404:
            return None
        return self._parse(response, Customer.model_validate, path)

    async def quote_order(self, draft: OrderDraft, *, timeout_s: float | None = None) -> OrderQuote:
        """The store's prices, delivery cost and days for a draft; creates nothing.

        ``available`` is False (with Ukrainian ``problems``) when stock is short.
        """
        path = "/v1/orders/quote"
        response = await self._request(
            "POST", path, json=draft.model_dump(mode="json"), timeout_s=timeout_s
        )
        return self._parse(response, OrderQuote.model_validate, path)

    async def create_order(
        self, draft: OrderDraft, idempotency_key: str, *, timeout_s: float | None = None
    ) -> Order:
        """Create the order once per key; a retry with the same key returns the same order.

        Raises StoreRejected with ``.error`` out_of_stock (for good), idempotency_conflict
        (the key was used with another draft), pickup_unavailable, unknown_sku or
        invalid_request; StoreUnavailable when it is not known whether the order exists.
        """
        path = "/v1/orders"
        response = await self._request(
            "POST",
            path,
            json=draft.model_dump(mode="json"),
            headers={"Idempotency-Key": idempotency_key},
            timeout_s=self.write_timeout_s if timeout_s is None else timeout_s,
        )
        return self._parse(response, Order.model_validate, path)

    async def get_order(self, number: str, *, timeout_s: float | None = None) -> Order | None:
        path = f"/v1/orders/{_segment(number)}"
        response = await self._request("GET", path, allow_404=True, timeout_s=timeout_s)
        if response.status_code == 404:
            return None
        return self._parse(response, Order.model_validate, path)

    async def orders_by_phone(
        self, phone: str, *, limit: int = 10, timeout_s: float | None = None
    ) -> list[Order]:
        """The phone's orders, newest first (empty if none)."""
        path = "/v1/orders"
        params = {"phone": phone, "limit": str(limit)}
        response = await self._request("GET", path, params=params, timeout_s=timeout_s)
        return self._parse(response, _ORDER_LIST.validate_python, path)

    # -- fitting --------------------------------------------------------------------------

    async def fitting_centres(
        self, city: str | None = None, *, timeout_s: float | None = None
    ) -> list[FittingCentre]:
        path = "/v1/fitting/centres"
        params = {"city": city} if city else None
        response = await self._request("GET", path, params=params, timeout_s=timeout_s)
        return self._parse(response, _CENTRE_LIST.validate_python, path)

    async def fitting_slots(
        self,
        *,
        city: str | None = None,
        centre_id: str | None = None,
        date_from: str | None = None,
        days: int = 3,
        limit: int = 10,
        timeout_s: float | None = None,
    ) -> list[FittingSlot]:
        """Free slots, earliest first; ``date_from`` is YYYY-MM-DD (default: today in Kyiv).

        An unknown ``centre_id`` raises StoreNotFound; an unknown city gives [].
        """
        params: dict[str, str] = {"days": str(days), "limit": str(limit)}
        if city:
            params["city"] = city
        if centre_id:
            params["centre_id"] = centre_id
        if date_from:
            params["date_from"] = date_from
        path = "/v1/fitting/slots"
        response = await self._request("GET", path, params=params, timeout_s=timeout_s)
        return self._parse(response, _SLOT_LIST.validate_python, path)

    async def book_fitting(
        self, req: BookingRequest, idempotency_key: str, *, timeout_s: float | None = None
    ) -> Booking:
        """Book a slot once per key; a retry with the same key returns the same booking.

        Raises StoreRejected with ``.error`` slot_taken, invalid_slot, idempotency_conflict
        or invalid_request; StoreNotFound for an unknown centre.
        """
        path = "/v1/fitting/bookings"
        response = await self._request(
            "POST",
            path,
            json=req.model_dump(mode="json"),
            headers={"Idempotency-Key": idempotency_key},
            timeout_s=self.write_timeout_s if timeout_s is None else timeout_s,
        )
        return self._parse(response, Booking.model_validate, path)

    async def get_booking(self, number: str, *, timeout_s: float | None = None) -> Booking | None:
        path = f"/v1/fitting/bookings/{_segment(number)}"
        response = await self._request("GET", path, allow_404=True, timeout_s=timeout_s)
        if response.status_code == 404:
            return None
        return self._parse(response, Booking.model_validate, path)

    # -- plumbing -------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
        allow_404: bool = False,
    ) -> httpx.Response:
        limit = self.timeout_s if timeout_s is None else timeout_s
        started = time.monotonic()
        try:
            async with asyncio.timeout(limit):
                response = await self._http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=httpx.Timeout(limit, connect=min(self.connect_timeout_s, limit)),
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            waited = time.monotonic() - started
            raise StoreUnavailable(
                "timeout", path=path, method=method, detail=f"no answer in {waited:.1f} s"
            ) from exc
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                "connection", path=path, method=method, detail=type(exc).__name__
            ) from exc
        status = response.status_code
        if status >= 500:
            raise StoreUnavailable(
                "server_error", path=path, method=method, status=status,
                detail=_error_body(response)[0],
            )
        if status == 404:
            if allow_404:
                return response
            raise StoreNotFound(path=path, method=method, detail=_error_body(response)[1])
        if status >= 400:
            error, detail = _error_body(response)
            raise StoreRejected(
                path=path, method=method, status=status, error=error, detail=detail
            )
        return response

    @staticmethod
    def _parse(response: httpx.Response, validate: Callable[[Any], T], path: str) -> T:
        try:
            return validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise StoreUnavailable(
                "bad_response", path=path, method=response.request.method,
                status=response.status_code, detail="unexpected response body",
            ) from exc


def _segment(value: str) -> str:
    """A SKU as one URL path segment (a slash in it must not change the route)."""
    return quote(value, safe="")


def _error_body(response: httpx.Response) -> tuple[str, str]:
    """(error code, detail) from the store's JSON error body, tolerating anything else."""
    try:
        body = response.json()
    except ValueError:
        return "error", response.reason_phrase or "error"
    if isinstance(body, dict):
        return str(body.get("error", "error")), str(body.get("detail", ""))
    return "error", ""
