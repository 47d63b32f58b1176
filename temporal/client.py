"""One way to reach Temporal for every process: the address from settings, pydantic payloads.

A local dev server takes plain ``connect(address, namespace)``. A TLS cluster or Temporal Cloud
takes ``connect_from(settings)``: mTLS from ``CALLCENTER_TEMPORAL_TLS_CERT`` / ``_KEY`` (and
optionally ``_CA``, ``_SERVER_NAME``), or an API key from ``CALLCENTER_TEMPORAL_API_KEY``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

if TYPE_CHECKING:
    from callcenter.settings import Settings

# Errors that say "Temporal is not reachable now", not "this request is wrong". CANCELLED is
# tonic's word for a call its transport gave up on ("operation was canceled"); the SDK's own
# retry leaves it out, so callers that must ride over a blip check for it here.
TRANSIENT_RPC = frozenset({RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED})


def is_transient(err: BaseException) -> bool:
    return isinstance(err, TimeoutError) or (isinstance(err, RPCError) and err.status in TRANSIENT_RPC)


async def connect(
    address: str,
    namespace: str = "default",
    *,
    tls: bool | TLSConfig = False,
    api_key: str | None = None,
    runtime: Runtime | None = None,
) -> Client:
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=pydantic_data_converter,
        tls=tls or bool(api_key),
        api_key=api_key,
        runtime=runtime,
    )


def tls_from(settings: Settings) -> bool | TLSConfig:
    """False (plain), True (system roots) or a TLSConfig with the client certificate and CA."""
    files = (settings.temporal_tls_cert, settings.temporal_tls_key, settings.temporal_tls_ca)
    if any(files) or settings.temporal_tls_server_name:
        if bool(settings.temporal_tls_cert) != bool(settings.temporal_tls_key):
            raise ValueError("CALLCENTER_TEMPORAL_TLS_CERT and CALLCENTER_TEMPORAL_TLS_KEY go together")
        return TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes() if settings.temporal_tls_cert else None,
            client_private_key=settings.temporal_tls_key.read_bytes() if settings.temporal_tls_key else None,
            server_root_ca_cert=settings.temporal_tls_ca.read_bytes() if settings.temporal_tls_ca else None,
            domain=settings.temporal_tls_server_name,
        )
    return settings.temporal_tls or settings.temporal_api_key is not None


async def connect_from(settings: Settings, runtime: Runtime | None = None) -> Client:
    """The processes' connection: address, namespace, TLS and API key from the settings; a
    ``runtime`` of its own (the SDK's metrics exporter) must exist before the client connects."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await connect(
        settings.temporal_address, settings.temporal_namespace, tls=tls_from(settings), api_key=api_key,
        runtime=runtime,
    )


def workflow_ui_url(ui_base: str, namespace: str, workflow_id: str) -> str:
    """The call's page in the Temporal UI, for ops and the simulator's output."""
    return f"{ui_base.rstrip('/')}/namespaces/{namespace}/workflows/{workflow_id}"
