"""What the dev stack's child processes get: the settings as environment variables
(``settings_env``), the environment they are started with (``_child_environ``), and the
``callcenter`` command that starts them (``find_callcenter_command``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from enum import Enum
from pathlib import Path

from pydantic import SecretStr

from callcenter.settings import Settings


def find_callcenter_command() -> list[str]:
    """The ``callcenter`` console script of this venv (next to sys.executable)."""
    here = Path(sys.executable).parent / "callcenter"
    if here.exists():
        return [str(here)]
    found = shutil.which("callcenter")
    if found:
        return [found]
    return [sys.executable, "-c", "from callcenter.cli import main; main()"]


def settings_env(settings: Settings, *, database_url: str | None = None) -> dict[str, str]:
    """The settings as environment variables (CALLCENTER_*, DATABASE_URL) for child processes."""
    env: dict[str, str] = {}
    for name, fld in type(settings).model_fields.items():
        alias = fld.validation_alias if isinstance(fld.validation_alias, str) else None
        key = alias or f"CALLCENTER_{name.upper()}"
        value = getattr(settings, name)
        if value is None:
            env[key] = ""  # marker: remove from the inherited environment
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, Path):
            value = str(value.absolute())
        elif isinstance(value, Enum):
            value = value.value
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, dict, tuple)):
            value = json.dumps(value)
        env[key] = str(value)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def _child_environ(overrides: Mapping[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in overrides.items():
        if value == "":
            env.pop(key, None)
        else:
            env[key] = value
    env["PYTHONUNBUFFERED"] = "1"
    return env
