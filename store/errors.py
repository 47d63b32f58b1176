"""The store's refusals as exceptions; ``store.app`` turns them into ApiError bodies.

Domain code (orders, fitting) raises ``ApiProblem`` with the HTTP status, a machine code and one
sentence; the codes are part of the contract (docs/store-api.md lists them).
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel


class ApiProblem(Exception):
    """A request the store refuses: ``status`` (4xx), ``error`` (machine code), ``detail``."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail


def not_found(detail: str) -> ApiProblem:
    return ApiProblem(404, "not_found", detail)


def invalid(detail: str) -> ApiProblem:
    return ApiProblem(422, "invalid_request", detail)


def idempotency_conflict(key: str) -> ApiProblem:
    return ApiProblem(
        409,
        "idempotency_conflict",
        f"Idempotency-Key {key!r} was already used with a different request body",
    )


def request_hash(body: BaseModel) -> str:
    """Hash of a request body as parsed (key order and whitespace of the JSON do not matter)."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
