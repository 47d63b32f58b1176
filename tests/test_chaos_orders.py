"""Order fault scenarios at their quick sizes (chaos/orders.py), over real parts: calls over the
real AudioSocket path into the edge, the worker and the store in this process, the real Temporal
dev server and PostgreSQL of the session; only Anthropic is faked, at the wire.

What is asserted is what a caller and the back office would check: every order a caller
confirmed is in the store exactly once with one SMS, no order for a call nobody confirmed,
every call's workflow completed with its record, and every turn the caller waited for heard
the agent within seconds. The audit itself is shown to catch a stray order and a second SMS.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg
import pytest
import pytest_asyncio

from activities.store_client import StoreClient
from chaos import orders
from chaos.fake_anthropic import ToolUse
from chaos.report import ChaosResult, text_report
from store.api_models import Delivery, DeliveryMethod, OrderDraft, OrderItemRequest
from store.catalogue import known_skus


@dataclass
class OrderFaults:
    hangups: ChaosResult
    hangup_calls: list
    hangup_servers: orders.Servers
    store_faults: ChaosResult
    llm_timeouts: ChaosResult
    yes_and_gone: ChaosResult


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def order_faults(temporal_client, temporal_server, _infra) -> OrderFaults:
    """The three scenarios at their quick sizes, at the same time (each on a database of its own:
    these calls buy tires, and other tests count on the stock): a minute instead of three."""

    async def servers() -> orders.Servers:
        return orders.Servers(temporal_client, temporal_server.address, await _infra.new_database())

    hangup_servers = await servers()
    calls = orders.plan_calls(len(orders.hangup_moments()), seed=11, stagger_s=0.3, hangups=True, quiet_ms=800)
    # Callers who say "Так." to the read-back and put the receiver down at once, before the
    # silence that would end their turn.
    yes_calls = orders.plan_calls(2, seed=23, stagger_s=0.5, hangups=False, quiet_ms=800)
    for call in yes_calls:
        call.hangup = orders.Hangup("right after «так»", orders.YES_LINE, "speech_end", 0.0)
    hangups, store_faults, llm_timeouts, yes_and_gone = await asyncio.gather(
        orders.run_hangups(hangup_servers, calls, stagger_s=0.3, settle_s=60),
        orders.run_store_faults(await servers(), 4, stagger_s=0.8, settle_s=90),
        orders.run_llm_timeouts(await servers(), 3, stagger_s=1.0, settle_s=60),
        orders.run_hangups(await servers(), yes_calls, stagger_s=0.5, settle_s=60),
    )
    for result in (hangups, store_faults, llm_timeouts, yes_and_gone):
        print(text_report(result))
    return OrderFaults(hangups, calls, hangup_servers, store_faults, llm_timeouts, yes_and_gone)


def _nothing_lost(result: ChaosResult, *, calls: int) -> dict:
    """The audit lost nothing, and every call's workflow completed with its record."""
    assert result.lost == []
    checked = result.checked
    assert (checked["workflows completed"], checked["records"]) == (calls, calls), checked
    return checked


@pytest.mark.timeout(300)
async def test_a_yes_said_as_the_caller_hangs_up_still_places_the_order(order_faults) -> None:
    """The edge sends the words the caller hung up on as the last turn (media_edge/session.py
    _send_last_words): without it the yes never reached the workflow and no order was placed."""
    checked = _nothing_lost(order_faults.yes_and_gone, calls=2)
    assert checked["said «так» and hung up at once (confirmed)"] == "2 (2)", checked
    assert checked["confirmed"] == checked["orders"] == checked["SMS"] == 2, checked


@pytest.mark.timeout(300)
async def test_callers_hanging_up_at_any_moment_lose_no_order_and_get_no_stray_one(order_faults) -> None:
    calls, servers = order_faults.hangup_calls, order_faults.hangup_servers

    checked = _nothing_lost(order_faults.hangups, calls=9)
    assert checked["calls"] == 9
    # Who stayed for the order number confirmed; who left before the read-back was over did not.
    assert checked["confirmed"] >= 3, checked
    assert checked["hung up before confirming"] >= 4, checked
    assert checked["orders"] == checked["SMS"] == checked["confirmed"], checked

    # The audit catches what it is there to catch: a second SMS to a confirmed caller, an order
    # for a caller who never confirmed one.
    by_moment = {call.hangup.label: call for call in calls}
    stayed, left = by_moment["after the goodbye"], by_moment["during the greeting"]
    pool = await asyncpg.create_pool(servers.database_url, min_size=1, max_size=2)
    try:
        await pool.execute(
            "INSERT INTO callcenter.sms_outbox (key, phone, body, gateway, status) "
            "VALUES ($1, $2, 'again', 'outbox', 'sent')", f"{stayed.call_id}:again", stayed.phone,
        )
        async with orders.clean_store(servers.database_url) as store_url:
            async with StoreClient(store_url) as store:
                draft = OrderDraft(
                    items=[OrderItemRequest(sku=known_skus().premiorri_summer_205_55_r16, quantity=1)],
                    delivery=Delivery(method=DeliveryMethod.NOVA_POSHTA, city="Київ", branch="1"),
                    phone=left.phone,
                )
                await store.create_order(draft, idempotency_key=f"{left.call_id}:stray")
            audits = await orders.audit_calls(servers.client, pool, store_url, [stayed, left], settle_s=10)
    finally:
        await pool.close()
    assert any("2 SMS sent for 1 fulfilments" in item for item in audits[0].lost), audits[0].lost
    assert any("though nobody confirmed one" in item for item in audits[1].lost), audits[1].lost


@pytest.mark.timeout(300)
async def test_a_failing_store_loses_no_order_and_no_caller_waits_in_silence(order_faults) -> None:
    checked = _nothing_lost(order_faults.store_faults, calls=4)
    assert checked["tool calls failed"] + checked["order writes retried"] >= 1, "no fault struck"
    assert checked["orders"] == checked["SMS"] == checked["confirmed"] - checked["refused (sold out meanwhile)"]
    assert checked["turns with no audio"] == 0
    p50, p95, worst = (float(v) for v in str(checked["end of speech → agent audio p50/p95/max s"]).split("/"))
    assert worst <= orders.SILENCE_LIMIT_S


@pytest.mark.timeout(300)
async def test_llm_timeouts_cost_no_order_and_every_turn_hears_the_agent(order_faults) -> None:
    checked = _nothing_lost(order_faults.llm_timeouts, calls=3)
    assert checked["LLM hung"] + checked["LLM order turns hung"] >= 1, "no request hung"
    assert checked["orders"] == checked["SMS"] == checked["confirmed"]
    assert checked["turns with no audio"] == 0
    p95, worst = (float(v) for v in str(checked["longest pause inside a reply p95/max s"]).split("/"))
    assert worst <= orders.SILENCE_LIMIT_S  # a stalled reply is covered by "Ще секунду, будь ласка."


# --- the parts, without calls ---------------------------------------------------------------------


def _tool_round(name: str, content: str, *, error: bool = False) -> list[dict]:
    return [
        {"role": "user", "content": [{"type": "text", "text": orders.order_lines(0)[0]}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": name, "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": content,
                                      **({"is_error": True} if error else {})}]},
    ]


SEARCH_RESULT = (
    '{"total":2,"items":[{"sku":"A-1","brand":"Rosava","model":"Snowgard","size":"205/55 R16","season":"winter",'
    '"studded":false,"price_uah":2410},{"sku":"B-2","brand":"Nokian","model":"Hakka","size":"205/55 R16",'
    '"season":"winter","studded":false,"price_uah":4100},{"sku":"C-3","brand":"Matador","model":"MP 93",'
    '"size":"205/55 R16","season":"winter","studded":false,"price_uah":2500}]}'
)


def test_the_scripted_model_searches_offers_and_orders_what_the_caller_picked() -> None:
    lines = orders.order_lines(len(orders.SIZE_LINES))  # the second tire ("другу"), a set of four
    first = orders.answer_for([{"role": "user", "content": [{"type": "text", "text": lines[0]}]}])
    (search,) = first.parts
    assert isinstance(search, ToolUse) and search.name == "search_tires" and search.input["rim"] == 16

    offer = "".join(p for p in orders.answer_for(_tool_round("search_tires", SEARCH_RESULT)).parts if isinstance(p, str))
    assert "Rosava Snowgard" in offer and "друга — Nokian Hakka" in offer

    history = [*_tool_round("search_tires", SEARCH_RESULT),
               {"role": "assistant", "content": [{"type": "text", "text": offer}]},
               {"role": "user", "content": [{"type": "text", "text": lines[1]}]}]
    (order,) = orders.answer_for(history).parts
    assert order.name == "create_order" and order.input["items"] == [{"sku": "B-2", "quantity": 4}]
    variants = len(orders.SIZE_LINES) * len(orders.PICKS) * len(orders.QUANTITIES)
    for variant in range(variants):  # "дві шини" is an order too, not a size
        line = orders.order_lines(variant)[1]
        (order,) = orders.answer_for([*history[:-1], {"role": "user", "content": [{"type": "text", "text": line}]}]).parts
        assert order.name == "create_order", line

    failed = "".join(p for p in orders.answer_for(_tool_round("search_tires", "store down", error=True)).parts
                     if isinstance(p, str))
    assert "оператором" in failed


def test_the_scripted_model_goes_on_after_a_break_from_the_words_said() -> None:
    from activities.brain.claude_brain import CONTINUE_AFTER_BREAK

    whole = orders.answer_for(_tool_round("search_tires", SEARCH_RESULT)).parts
    broken = [*_tool_round("search_tires", SEARCH_RESULT),
              {"role": "assistant", "content": [{"type": "text", "text": whole[0].strip()}]},
              {"role": "user", "content": [{"type": "text", "text": CONTINUE_AFTER_BREAK}]}]
    assert orders.answer_for(broken).parts == whole[1:]


def test_a_turn_answered_late_or_never_is_a_loss() -> None:
    (call,) = orders.plan_calls(1, seed=1, stagger_s=0, hangups=False)
    call.turns = [
        orders.HeardTurn(1, call.lines[0], 0.0, wait_s=0.5),
        orders.HeardTurn(2, call.lines[1], 0.0, wait_s=orders.SILENCE_LIMIT_S + 0.5),
        orders.HeardTurn(3, call.lines[2], 0.0, error="no agent audio within 10 s"),
    ]
    lost, waits = orders.turn_losses([call], orders.SILENCE_LIMIT_S)
    assert len(lost) == 2 and "s of silence" in lost[0] and "no agent audio" in lost[1]
    assert waits == [0.5, orders.SILENCE_LIMIT_S + 0.5]
    assert len(orders.turn_losses([call], None)[0]) == 1  # without a limit only the unanswered turn
