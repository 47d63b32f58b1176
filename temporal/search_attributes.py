"""Registering the call workflows' custom search attributes (``workflows.search_attributes.ALL``).

A workflow that sets an unregistered search attribute fails every workflow task, so they must be
registered before any worker runs:

- dev server: ``temporal server start-dev --search-attribute NAME=Type`` (``dev_server_flags()``,
  used by ``temporal.devserver.TemporalDevServer``);
- a real cluster: ``temporal operator search-attribute create --name NAME --type Type``
  (``cluster_setup_commands()``; print them with ``python -m temporal.search_attributes``);
- from code, against either: ``await ensure_registered(client)``.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Iterable, Sequence
from datetime import timedelta

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey

from temporal.client import is_transient
from workflows.search_attributes import ALL

# A start-up check, not a call path: a few seconds of retries over a transport blip beat a
# process (or a test session) that dies on one cancelled RPC.
LIST_ATTEMPTS = 4
LIST_TIMEOUT = timedelta(seconds=10)
LIST_BACKOFF_S = 0.25

# The type names the temporal CLI accepts (start-dev --search-attribute, operator ... --type).
CLI_TYPE_NAMES: dict[SearchAttributeIndexedValueType, str] = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


class SearchAttributeConflict(RuntimeError):
    """A search attribute exists on the server with another type than ours."""


def cli_type_name(key: SearchAttributeKey) -> str:
    return CLI_TYPE_NAMES[key.indexed_value_type]


def _proto_type(key: SearchAttributeKey) -> IndexedValueType.ValueType:
    # The SDK's enum uses the proto's numbers (TEXT=1 ... KEYWORD_LIST=7).
    return IndexedValueType.ValueType(int(key.indexed_value_type))


def dev_server_flags(keys: Iterable[SearchAttributeKey] = ALL) -> list[str]:
    """``--search-attribute NAME=Type`` flags for ``temporal server start-dev``."""
    flags: list[str] = []
    for key in keys:
        flags += ["--search-attribute", f"{key.name}={cli_type_name(key)}"]
    return flags


def cluster_setup_commands(
    namespace: str = "default",
    *,
    address: str | None = None,
    keys: Iterable[SearchAttributeKey] = ALL,
) -> list[str]:
    """The ``temporal operator search-attribute create`` commands for a real cluster."""
    extra = f" --address {shlex.quote(address)}" if address else ""
    return [
        f"temporal operator search-attribute create --namespace {shlex.quote(namespace)}{extra}"
        f" --name {key.name} --type {cli_type_name(key)}"
        for key in keys
    ]


async def list_custom(client: Client, namespace: str | None = None) -> dict[str, int]:
    """Custom search attributes registered on the server: name -> IndexedValueType number."""
    request = ListSearchAttributesRequest(namespace=namespace or client.namespace)

    async def ask() -> dict[str, int]:
        resp = await client.operator_service.list_search_attributes(request, retry=True, timeout=LIST_TIMEOUT)
        return {name: int(t) for name, t in resp.custom_attributes.items()}

    for attempt in range(LIST_ATTEMPTS - 1):
        try:
            return await ask()
        except Exception as err:
            if not is_transient(err):
                raise
            await asyncio.sleep(LIST_BACKOFF_S * 2**attempt)
    return await ask()  # the last attempt's error is the caller's


async def ensure_registered(
    client: Client,
    *,
    namespace: str | None = None,
    keys: Sequence[SearchAttributeKey] = ALL,
) -> list[str]:
    """Register the missing ones (operator service); returns the names it added.

    Raises SearchAttributeConflict if one exists with a different type (that needs an operator:
    search attribute types cannot be changed in place).
    """
    ns = namespace or client.namespace
    existing = await list_custom(client, ns)
    missing: dict[str, IndexedValueType.ValueType] = {}
    for key in keys:
        have = existing.get(key.name)
        if have is None:
            missing[key.name] = _proto_type(key)
        elif have != int(key.indexed_value_type):
            raise SearchAttributeConflict(
                f"search attribute {key.name} is registered as "
                f"{IndexedValueType.Name(have)} but the workflows need {cli_type_name(key)}"
            )
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(search_attributes=missing, namespace=ns)
        )
    return sorted(missing)


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    namespace = args[0] if args else "default"
    print("# Register the call workflows' search attributes on a Temporal cluster:")
    for cmd in cluster_setup_commands(namespace):
        print(cmd)


if __name__ == "__main__":
    main()
