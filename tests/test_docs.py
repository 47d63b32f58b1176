"""The project's docs stand on their own: nothing points at a document outside the repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_tracked_file_names_a_design_doc_outside_the_repository() -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    naming = [
        f for f in files
        if f != "tests/test_docs.py" and (ROOT / f).is_file()
        and "DESIGN.md" in (ROOT / f).read_text(encoding="utf-8", errors="replace")
    ]
    assert naming == [], "the facts live in docs/architecture.md, 'Facts the design rests on'"
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for heading in ("### AudioSocket, as Asterisk really speaks it", "### Latency budget",
                    "### Temporal, as measured here", "### The call flow in the dialplan's terms"):
        assert heading in architecture
