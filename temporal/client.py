"""One way to reach Temporal for every process: the address from settings, pydantic payloads."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter


async def connect(address: str, namespace: str = "default") -> Client:
    return await Client.connect(address, namespace=namespace, data_converter=pydantic_data_converter)


def workflow_ui_url(ui_base: str, namespace: str, workflow_id: str) -> str:
    """The call's page in the Temporal UI, for ops and the simulator's output."""
    return f"{ui_base.rstrip('/')}/namespaces/{namespace}/workflows/{workflow_id}"
