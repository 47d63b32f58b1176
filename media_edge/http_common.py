"""What the edge's two HTTP APIs (call control, ops) check the same way: call ids, the ops token."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Header, HTTPException

from callcenter.settings import Settings


def valid_call_id(call_id: str) -> str:
    """The call id in its canonical form, or 422."""
    try:
        return str(uuid.UUID(call_id))
    except ValueError:
        raise HTTPException(status_code=422, detail=f"not a UUID: {call_id!r}") from None


def ops_token_guard(settings: Settings) -> Callable[..., None]:
    """A FastAPI dependency: the request carries ``Authorization: Bearer <CALLCENTER_OPS_TOKEN>``.
    With no token configured (unset or empty) ops endpoints are closed (403)."""

    def require_ops_token(authorization: Annotated[str | None, Header()] = None) -> None:
        token = settings.ops_token.get_secret_value() if settings.ops_token else ""
        if not token:
            raise HTTPException(status_code=403, detail="ops endpoints are disabled: set CALLCENTER_OPS_TOKEN")
        # Bytes: a header with non-ASCII characters is a wrong token, not a TypeError.
        if not authorization or not secrets.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
            raise HTTPException(status_code=401, detail="missing or wrong bearer token",
                                headers={"WWW-Authenticate": "Bearer"})

    return require_ops_token
