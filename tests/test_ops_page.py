"""The ops page in a real browser: Debian's chromium (headless) against a real edge with a live call.

The token arrives as ``#token=…`` in the URL (the page moves it into sessionStorage); the DOM
then shows the live call, today's analytics and the recent calls; ``#call=<id>`` opens a call's
transcript with its latency bars. chromium comes from ``scripts/system_deps.sh`` (``make test``
runs it); without it these tests fail and say how to install it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from callcenter.devstack.inprocess import running_system
from callcenter.simulator.asterisk_leg import AsteriskLeg

TOKEN = "page-test-token-7"
CALLER = "+380931234567"


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "chromium is not installed: run `sudo bash scripts/system_deps.sh` "
            "(or `sudo apt-get update && sudo apt-get install -y chromium`); `make test` does it when run as root",
            pytrace=False,
        )
    return path


async def run_chromium(url: str, *extra: str, budget_ms: int = 4000) -> str:
    """Load `url` headless and return what chromium prints (the DOM with --dump-dom)."""
    proc = await asyncio.create_subprocess_exec(
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-extensions", "--hide-scrollbars", "--lang=uk-UA",
        f"--virtual-time-budget={budget_ms}", "--window-size=1400,1100", *extra, url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


class Dom(HTMLParser):
    """Just enough of the DOM: text per element id, rows per table id, hidden sections."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[str, list[dict]] = {}
        self.hidden: set[str] = set()
        self.cards: dict[str, str] = {}
        self._table: str | None = None
        self._row: dict | None = None
        self._card: str | None = None
        self._in_value = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a and "hidden" in a:
            self.hidden.add(a["id"])
        if tag == "table":
            self._table = a.get("id")
        elif tag == "tr" and self._table:
            self._row = {"attrs": a, "cells": [], "text": ""}
        elif tag == "td" and self._row is not None:
            self._row["cells"].append("")
        elif "data-metric" in a:
            self._card = a["data-metric"]
            self.cards[self._card] = ""
        elif self._card and a.get("class") == "v":
            self._in_value = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None:
            if self._row["cells"]:
                self.rows.setdefault(self._table, []).append(self._row)
            self._row = None
        elif tag == "div" and self._in_value:
            self._in_value = False
            self._card = None

    def handle_data(self, data):
        if self._row is not None and self._row["cells"]:
            self._row["cells"][-1] += data
            self._row["text"] += data
        if self._in_value and self._card:
            self.cards[self._card] += data


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def page_system(temporal_server, temporal_client, _infra):
    # a database of its own: the page lists the latest calls, and other tests make many
    database_url = await _infra.new_database()
    async with running_system(temporal_client, temporal_server.address, database_url, ops_token=TOKEN) as system:
        yield system


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def recorded_call(page_system) -> str:
    """A finished call of today (Kyiv) with two turns' latencies, as the worker writes them."""
    call_id = uuid.uuid4()
    started = datetime.now(UTC) - timedelta(minutes=5)
    transcript = [
        {"role": "agent", "text": "Доброго дня! Магазин шин Колесо.", "at": started.isoformat(), "turn_id": 0, "tool_calls": []},
        {"role": "caller", "text": "Шукаю зимові шини 205/55 R16", "at": started.isoformat(), "turn_id": 1, "tool_calls": []},
        {"role": "agent", "text": "Маю Nokian Hakkapeliitta R5 за 4200 гривень.", "at": started.isoformat(), "turn_id": 1,
         "tool_calls": [{"name": "search_tires", "arguments": {"width": 205, "profile": 55, "rim": 16}, "duration_ms": 38.5}]},
    ]
    latencies = [{"turn_id": 1, "stt_ms": 140.0, "agent_step_ms": 260.0, "first_text_ms": 180.0},
                 {"turn_id": 2, "stt_ms": 120.0, "agent_step_ms": 210.0, "first_text_ms": 150.0}]
    await page_system.pool.execute(
        """INSERT INTO callcenter.calls (call_id, caller_number, dialled_number, edge_id, started_at, ended_at,
               outcome, hangup_reason, scenarios, turns, transcript, tool_calls, latencies, order_number)
           VALUES ($1, $2, '0800300500', 'edge1', $3, $4, 'completed', 'agent_hangup', $5, 2, $6::jsonb, '[]', $7::jsonb, 'SO-2048')""",
        call_id, CALLER, started, started + timedelta(seconds=95), ["tire_search", "order"],
        json.dumps(transcript, ensure_ascii=False), json.dumps(latencies),
    )
    return str(call_id)


async def test_the_page_shows_live_calls_analytics_and_recent_calls(page_system, recorded_call, tmp_path: Path) -> None:
    settings = page_system.settings
    call_id = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=settings.edge_url, timeout=10) as edge:
        await edge.post(f"/calls/{call_id}/register", json={"caller_number": CALLER, "dialled_number": "0800300500"})
    leg = await AsteriskLeg(settings.edge_host, settings.audiosocket_port, call_id=call_id).connect()
    try:
        await leg.wait_agent_quiet(500, timeout=15, after=0.0)
        url = f"{settings.edge_url}/ops/#token={TOKEN}"
        html = await run_chromium(url, "--dump-dom")
        screenshot = tmp_path / "ops-page.png"
        await run_chromium(url, f"--screenshot={screenshot}")
    finally:
        await leg.hangup()
        await leg.close()

    dom = Dom(html)
    assert "login" in dom.hidden and "app" not in dom.hidden, "the token from the URL should log the page in"
    live = dom.rows["live-calls"]
    row = next(r for r in live if r["attrs"].get("data-call-id") == call_id)
    assert "+38093***4567" in row["text"] and CALLER not in html
    assert any(state in row["text"] for state in ("слухає", "говорить агент"))

    assert int(dom.cards["calls"]) >= 1
    assert dom.cards["conversion"].endswith("%")
    outcomes = {r["cells"][0]: r["cells"][1] for r in dom.rows["analytics-outcomes"]}
    assert int(outcomes["завершено"]) >= 1
    stages = {r["attrs"].get("data-key") for r in dom.rows["analytics-latency"]}
    assert {"agent_step_ms", "stt_ms"} <= stages

    recent = next(r for r in dom.rows["recent-calls"] if r["attrs"].get("data-call-id") == recorded_call)
    assert "+38093***4567" in recent["text"] and "SO-2048" in recent["text"] and "завершено" in recent["text"]
    assert f'/workflows/{recorded_call}"' in html  # the Temporal UI link
    assert f'href="#call={recorded_call}"' in html

    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    if os.environ.get("OPS_SCREENSHOT_DIR"):  # to look at it: OPS_SCREENSHOT_DIR=/tmp pytest …
        shutil.copy(screenshot, Path(os.environ["OPS_SCREENSHOT_DIR"]) / "ops-page.png")


async def test_the_call_view_shows_the_transcript_and_latency_bars(page_system, recorded_call) -> None:
    url = f"{page_system.settings.edge_url}/ops/#token={TOKEN}&call={recorded_call}"
    html = await run_chromium(url, "--dump-dom")
    dom = Dom(html)
    assert "call-view" not in dom.hidden
    assert "Шукаю зимові шини 205/55 R16" in html and "Nokian Hakkapeliitta R5" in html
    assert "search_tires" in html and "SO-2048" in html
    bars = dom.rows["call-latencies"]
    assert [r["cells"][0] for r in bars] == ["#1", "#2"]
    assert bars[0]["cells"][2] == "140 / 260 / 180"  # stt / agent step / first sentence, ms
    assert html.count('class="bar"') == 2
    if os.environ.get("OPS_SCREENSHOT_DIR"):
        await run_chromium(url, f"--screenshot={Path(os.environ['OPS_SCREENSHOT_DIR']) / 'ops-call.png'}")


async def test_without_a_token_the_page_asks_for_one_and_shows_no_data(page_system, recorded_call) -> None:
    html = await run_chromium(f"{page_system.settings.edge_url}/ops/", "--dump-dom", budget_ms=2000)
    dom = Dom(html)
    assert "app" in dom.hidden and "login" not in dom.hidden
    assert recorded_call not in html and "+38093" not in html


async def test_a_wrong_token_sends_the_page_back_to_the_login(page_system) -> None:
    html = await run_chromium(f"{page_system.settings.edge_url}/ops/#token=wrong", "--dump-dom", budget_ms=3000)
    dom = Dom(html)
    assert "app" in dom.hidden and "login" not in dom.hidden
    assert "missing or wrong bearer token" in html
