"""The ops page in a real browser: Debian's chromium (headless) against a real edge with a live call.

The token arrives as ``#token=…`` in the URL (the page moves it into sessionStorage); the DOM
then shows the live call, today's analytics with the day's chart, the recent calls with what
each caller waited; ``#call=<id>`` opens a call's transcript with its per-turn latency. What an
ops person does (search by order number, page through calls, close a task with their name) is
driven through the DevTools protocol of the same headless chromium (``Cdp``: a small
WebSocket client, no extra packages). chromium comes from ``scripts/system_deps.sh`` (``make test``
runs it); without it these tests fail and say how to install it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import struct
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


class Cdp:
    """A headless chromium driven over the DevTools protocol: navigate, evaluate JS, wait."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self._id = 0

    async def __aenter__(self) -> Cdp:
        self.proc = await asyncio.create_subprocess_exec(
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-extensions", "--lang=uk-UA", "--window-size=1400,1100", "--remote-debugging-port=0",
            f"--user-data-dir={self.profile}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        assert self.proc.stderr is not None
        while True:
            line = (await asyncio.wait_for(self.proc.stderr.readline(), 30)).decode()
            assert line, "chromium exited before it listened for DevTools"
            if m := re.search(r"ws://([\d.]+):(\d+)/", line):
                host, port = m.group(1), int(m.group(2))
                break
        async with httpx.AsyncClient(timeout=10) as client:
            targets = (await client.get(f"http://{host}:{port}/json/list")).json()
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        self.reader, self.writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        path = ws_url.split(f"{port}", 1)[1]
        self.writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.writer.close()
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()

    async def _send(self, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                                bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.writer.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        await self.writer.drain()

    async def _recv(self) -> dict:
        data = b""
        while True:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", await self.reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", await self.reader.readexactly(8))[0]
            data += await self.reader.readexactly(n)
            if b0 & 0x80:
                return json.loads(data)

    async def call(self, method: str, **params) -> dict:
        self._id += 1
        await self._send(json.dumps({"id": self._id, "method": method, "params": params}).encode())
        while True:
            message = await asyncio.wait_for(self._recv(), 30)
            if message.get("id") == self._id:
                assert "error" not in message, message
                return message["result"]

    async def js(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def until(self, expression: str, timeout: float = 10.0):
        """Poll a JS expression until it is truthy; return its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.js(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() >= deadline:
                status = await self.js("document.querySelector('#status').textContent")
                pytest.fail(f"never true: {expression} (the page's status line: {status!r})")
            await asyncio.sleep(0.1)

    async def open(self, url: str) -> None:
        await self.call("Page.navigate", url=url)
        await self.until("document.readyState === 'complete' && !document.querySelector('#app').hidden")


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
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
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
        elif self._card and (a.get("class") or "").split()[:1] == ["v"]:
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
    latencies = [{"turn_id": 1, "stt_ms": 140.0, "agent_step_ms": 260.0, "first_text_ms": 180.0, "first_audio_ms": 640.0},
                 {"turn_id": 2, "stt_ms": 120.0, "agent_step_ms": 210.0, "first_text_ms": 150.0, "first_audio_ms": 1720.0}]
    await page_system.pool.execute(
        """INSERT INTO callcenter.calls (call_id, caller_number, dialled_number, edge_id, started_at, ended_at,
               outcome, hangup_reason, scenarios, turns, transcript, tool_calls, latencies, order_number)
           VALUES ($1, $2, '0800300500', 'edge1', $3, $4, 'completed', 'agent_hangup', $5, 2, $6::jsonb, '[]', $7::jsonb, 'SO-2048')""",
        call_id, CALLER, started, started + timedelta(seconds=95), ["tire_search", "order"],
        json.dumps(transcript, ensure_ascii=False), json.dumps(latencies),
    )
    return str(call_id)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def older_calls(page_system) -> int:
    """55 calls of a week ago: more than one page (50) of the recent calls list."""
    started = datetime.now(UTC) - timedelta(days=7)
    rows = [(uuid.uuid4(), "+380501112233", started + timedelta(minutes=i)) for i in range(55)]
    await page_system.pool.executemany(
        """INSERT INTO callcenter.calls (call_id, caller_number, dialled_number, edge_id, started_at, ended_at,
               outcome, hangup_reason, scenarios, turns, transcript, tool_calls, latencies)
           VALUES ($1, $2, '0800300500', 'edge1', $3::timestamptz, $3::timestamptz + interval '30 seconds',
                   'abandoned', 'caller_hangup', '{}', 0, '[]', '[]', '[]')""",
        rows,
    )
    return len(rows)


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

    assert dom.cards["latency"] == "1180 / 1666"  # what callers waited today, p50 / p95 (ms)
    assert [r["attrs"].get("data-key") for r in dom.rows["analytics-latency"]][0] == "first_audio_ms"

    # the day's chart: 24 hourly bars, the recorded call in its Kyiv hour, the p95 of what its caller waited
    bars = {int(a["data-hour"]): int(a["data-calls"]) for tag, a in dom.tags if tag == "rect" and "data-hour" in a}
    assert sorted(bars) == list(range(24))
    from zoneinfo import ZoneInfo
    hour = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(ZoneInfo("Europe/Kyiv")).hour
    assert bars[hour] >= 1
    points = {int(a["data-hour"]): int(a["data-p95"]) for tag, a in dom.tags if tag == "circle"}
    assert points == {hour: 1666}
    assert "дзвінків: " in html and "чекали p50 1180 / p95 1666 мс" in html  # the bars' tooltips

    recent = next(r for r in dom.rows["recent-calls"] if r["attrs"].get("data-call-id") == recorded_call)
    assert "+38093***4567" in recent["text"] and "SO-2048" in recent["text"] and "завершено" in recent["text"]
    assert recent["cells"][6] == "1180 / 1666"  # what the caller waited, p50 / p95
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
    assert [r["cells"][1] for r in bars] == ["640", "1720"]  # what the caller waited, per turn
    assert bars[0]["cells"][3] == "140 / 260 / 180"  # internal: stt / agent step / first sentence, ms
    assert dom.cards["call-heard"] == "1180 / 1666"
    assert "Чекав абонент" in html
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


async def test_search_by_order_number_and_paging(page_system, recorded_call, older_calls, tmp_path: Path) -> None:
    async with Cdp(tmp_path / "profile") as page:
        await page.open(f"{page_system.settings.edge_url}/ops/#token={TOKEN}")
        info = await page.until("document.querySelector('#page-info').textContent")
        total = int(re.fullmatch(r"1–50 з (\d+)", info).group(1))
        assert total >= older_calls + 1
        assert await page.js("document.querySelector('#page-prev').disabled") is True
        rows = "[...document.querySelectorAll('#recent-calls tbody tr[data-call-id]')].map(r => r.dataset.callId)"
        first_page = await page.js(rows)
        assert len(first_page) == 50 and first_page[0] != first_page[-1]

        await page.js("document.querySelector('#page-next').click()")
        await page.until(f"document.querySelector('#page-info').textContent === '51–{total} з {total}'")
        second_page = await page.js(rows)
        assert len(second_page) == total - 50 and not set(second_page) & set(first_page)
        assert await page.js("document.querySelector('#page-next').disabled") is True
        await page.js("document.querySelector('#page-prev').click()")
        await page.until(f"document.querySelector('#page-info').textContent === '1–50 з {total}'")

        # the order number as a caller reads it out; only that call is left
        await page.js("document.querySelector('input[name=number]').value = ' so-2048 ';"
                      "document.querySelector('#recent-filters button').click()")
        await page.until("document.querySelector('#page-info').textContent === '1–1 з 1'")
        assert await page.js(rows) == [recorded_call]
        text = await page.js("document.querySelector('#recent-calls tbody').innerText")
        assert "SO-2048" in text and "+38093***4567" in text and "1180 / 1666" in text
        await page.js("document.querySelector('input[name=number]').value = 'SO-0000';"
                      "document.querySelector('#recent-filters button').click()")
        await page.until("document.querySelector('#recent-calls tbody').innerText.includes('Дзвінків не знайдено')")


async def test_an_ops_person_closes_a_task_with_their_name(page_system, tmp_path: Path) -> None:
    call_id = str(uuid.uuid4())
    task_id = await page_system.pool.fetchval(
        "INSERT INTO callcenter.ops_tasks (key, kind, call_id, phone, reference, detail)"
        " VALUES ($1, 'order_refused', $2, $3, 'k', 'Склад відмовив: немає в наявності') RETURNING id",
        f"page-{call_id}", call_id, CALLER,
    )
    row = f"document.querySelector('#open-tasks tr[data-task-id=\"{task_id}\"]')"
    async with Cdp(tmp_path / "profile") as page:
        await page.open(f"{page_system.settings.edge_url}/ops/#token={TOKEN}")
        await page.until(f"!!{row}")
        text = await page.js(f"{row}.innerText")
        assert "склад відмовив у замовленні" in text and "+38093***4567" in text and CALLER not in text

        # no name: the page asks for one and closes nothing
        await page.js(f"{row}.querySelector('button.close-task').click()")
        await page.until("document.querySelector('#tasks-error').textContent.includes('Вкажіть своє ім')")
        assert await page_system.pool.fetchval("SELECT status FROM callcenter.ops_tasks WHERE id = $1", task_id) == "open"

        await page.js("document.querySelector('#closer-name').value = 'Олена Коваль';"
                      f"{row}.querySelector('button.close-task').click()")
        shown = await page.until(f"{row}.querySelector('.closed-by') && {row}.querySelector('.closed-by').textContent")
        assert shown.startswith("закрито: Олена Коваль · ")
        db = await page_system.pool.fetchrow("SELECT status, closed_by, closed_at FROM callcenter.ops_tasks WHERE id = $1",
                                             task_id)
        assert db["status"] == "done" and db["closed_by"] == "Олена Коваль"
        assert abs((datetime.now(UTC) - db["closed_at"]).total_seconds()) < 30

        # the closed list shows who closed it; the open list no longer has it
        await page.js("const s = document.querySelector('#tasks-status'); s.value = 'closed';"
                      "s.dispatchEvent(new Event('change'))")
        await page.until("document.querySelector('#tasks-title').textContent === 'Закриті задачі'")
        closed = await page.until(f"{row} && {row}.innerText")
        assert "закрито: Олена Коваль" in closed
        # the name is remembered for the next task
        assert await page.js("localStorage.getItem('callcenter.ops.closer')") == "Олена Коваль"
