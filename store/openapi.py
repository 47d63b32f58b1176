"""The Store API contract as an OpenAPI document: store/openapi.yaml, generated from the app.

    python -m store.openapi          # rewrite store/openapi.yaml from the app
    python -m store.openapi --check  # exit 1 if the committed document differs from the app

tests/test_store_orders.py runs the check, so the document and the app cannot drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

OPENAPI_PATH = Path(__file__).resolve().parent / "openapi.yaml"

_HEADER = (
    "# The Store API contract, generated from store/app.py by `python -m store.openapi`.\n"
    "# Do not edit by hand: change the app (store/app.py, store/api_models.py) and regenerate.\n"
)


def build() -> dict[str, Any]:
    """The app's OpenAPI document (no database needed: the app is only built, not started)."""
    from store.app import create_app

    return create_app("postgresql://unused@localhost/unused").openapi()


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the API description) as readable literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(document: dict[str, Any] | None = None) -> str:
    body = yaml.dump(
        build() if document is None else document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return _HEADER + body


def load(path: Path = OPENAPI_PATH) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OPENAPI_PATH.exists() or OPENAPI_PATH.read_text(encoding="utf-8") != text:
            print(f"{OPENAPI_PATH} is out of date: run python -m store.openapi", file=sys.stderr)
            return 1
        print(f"{OPENAPI_PATH} is up to date")
        return 0
    OPENAPI_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {OPENAPI_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
