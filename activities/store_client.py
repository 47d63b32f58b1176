"""Async client for the shop's Store API, sized for use during a live phone call.

A caller is waiting on the line, so every request has a hard total deadline (default 2 s,
connect 0.5 s) and failures come back as two typed errors the agent can turn into an
apology: ``StoreUnavailable`` (timeout, connection error, 5xx, garbage response) and
``StoreRejected`` (a 4xx; a 404 is ``None`` from ``get_tire`` and ``StoreNotFound``, a
``StoreRejected``, from ``availability``). Messages name the failure and the URL path only,
never the host, query or credentials.
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

from store.api_models import Availability, Health, Tire, TireQuery, TireSearchResult, VehicleFitment

UnavailableReason = Literal["timeout", "connection", "server_error", "bad_response"]

T = TypeVar("T")

_FITMENT_LIST = TypeAdapter(list[VehicleFitment])


class StoreError(Exception):
    """Base of the store client's errors."""

    def __init__(self, message: str, *, path: str, status: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.status = status


class StoreUnavailable(StoreError):
    """The store did not answer usefully: retry later or apologise to the caller."""

    def __init__(
        self, reason: UnavailableReason, *, path: str, status: int | None = None, detail: str = ""
    ) -> None:
        message = f"store unavailable ({reason}) on GET {path}"
        if status is not None:
            message += f": HTTP {status}"
        if detail:
            message += f" ({detail})"
        super().__init__(message, path=path, status=status)
        self.reason: UnavailableReason = reason


class StoreRejected(StoreError):
    """The store refused the request (4xx other than 404): our parameters were wrong."""

    def __init__(self, *, path: str, status: int, error: str, detail: str) -> None:
        super().__init__(
            f"store rejected GET {path}: HTTP {status} {error}: {detail}", path=path, status=status
        )
        self.error = error
        self.detail = detail


class StoreNotFound(StoreRejected):
    """404 where the thing must exist (availability of an unknown SKU).

    A StoreRejected, so code that handles rejections handles it too: asking about a SKU
    the store never had is a wrong parameter on our side.
    """

    def __init__(self, *, path: str, detail: str) -> None:
        super().__init__(path=path, status=404, error="not_found", detail=detail)


class StoreClient:
    """Pooled HTTP client for the Store API; create once per process and reuse."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 2.0,
        connect_timeout_s: float = 0.5,
        max_connections: int = 50,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        # httpx timeouts are per phase (connect, each read...); asyncio.timeout() in _get
        # enforces the total a caller actually waits.
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            # One retry of a failed *connect* covers a stale pooled connection cheaply.
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

    # -- API ------------------------------------------------------------------------------

    async def search_tires(self, q: TireQuery) -> TireSearchResult:
        response = await self._get("/v1/tires", params=q.to_params())
        return self._parse(response, TireSearchResult.model_validate, "/v1/tires")

    async def get_tire(self, sku: str) -> Tire | None:
        path = f"/v1/tires/{_segment(sku)}"
        response = await self._get(path, allow_404=True)
        if response.status_code == 404:
            return None
        return self._parse(response, Tire.model_validate, path)

    async def availability(self, sku: str, city: str | None = None) -> Availability:
        path = f"/v1/tires/{_segment(sku)}/availability"
        params = {"city": city} if city else None
        response = await self._get(path, params=params, allow_404=True)
        if response.status_code == 404:
            raise StoreNotFound(path=path, detail=_error_body(response)[1])
        return self._parse(response, Availability.model_validate, path)

    async def fitment(
        self, make: str, model: str, year: int | None = None
    ) -> list[VehicleFitment]:
        params: dict[str, str] = {"make": make, "model": model}
        if year is not None:
            params["year"] = str(year)
        path = "/v1/vehicles/fitment"
        response = await self._get(path, params=params)
        return self._parse(response, _FITMENT_LIST.validate_python, path)

    async def health(self) -> Health:
        response = await self._get("/health")
        return self._parse(response, Health.model_validate, "/health")

    # -- plumbing -------------------------------------------------------------------------

    async def _get(
        self, path: str, *, params: dict[str, str] | None = None, allow_404: bool = False
    ) -> httpx.Response:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout_s):
                response = await self._http.get(path, params=params)
        except (TimeoutError, httpx.TimeoutException) as exc:
            waited = time.monotonic() - started
            raise StoreUnavailable(
                "timeout", path=path, detail=f"no answer in {waited:.1f} s"
            ) from exc
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                "connection", path=path, detail=type(exc).__name__
            ) from exc
        status = response.status_code
        if status >= 500:
            raise StoreUnavailable(
                "server_error", path=path, status=status, detail=_error_body(response)[0]
            )
        if status == 404 and allow_404:
            return response
        if status >= 400:
            error, detail = _error_body(response)
            raise StoreRejected(path=path, status=status, error=error, detail=detail)
        return response

    @staticmethod
    def _parse(response: httpx.Response, validate: Callable[[Any], T], path: str) -> T:
        try:
            return validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise StoreUnavailable(
                "bad_response", path=path, status=response.status_code,
                detail="unexpected response body",
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
