"""Read-backs and the caller's answer to them: the gate in front of every order and booking.

The read-back is made here, in the workflow, from the facts the store gave inside the step
(``PendingAction.store_facts``), never from the brain's words: whatever a model was talked
into, the caller hears the store's items, prices, total, delivery and phone, and only a clear
"yes" (or the key 1) lets the workflow place the order. Everything here is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from activities.brain import ukrainian as uk
from store.api_models import FittingCentre, FittingSlot, OrderQuote
from workflows.models import FulfilmentKind, FulfilmentResult, FulfilmentStatus, PendingAction

Verdict = Literal["yes", "no", "unclear"]


@dataclass
class Awaiting:
    """An action read back to the caller and not yet answered."""

    action: PendingAction
    readback: str
    turn_id: int
    asks: int = 0  # how often we asked again after an unclear answer


def classify_confirmation(text: str, dtmf: str | None) -> Verdict:
    return uk.classify_confirmation(text, dtmf)


def changes_details(action: PendingAction, text: str) -> bool:
    """The answer to a read-back names another phone, city, quantity or branch than the one read
    back ("оформіть на номер дружини …", "доставте краще в Одесу", "хай буде дві замість
    чотирьох"): the agent must apply it and the workflow read the new facts back, never confirm
    the old ones."""
    request = action.arguments.get("request") or {}
    delivery = request.get("delivery") or {}
    phone = uk.parse_phone(text)
    if phone is not None and phone != request.get("phone"):
        return True
    city = uk.parse_city(text)
    read_city = delivery.get("city") or request.get("city")
    if city is not None and read_city is not None and city != read_city:
        return True
    items = request.get("items") or []
    quantity = uk.parse_quantity(text)
    if quantity is not None and len(items) == 1 and quantity != items[0].get("quantity"):
        return True
    branch = uk.parse_branch(text)
    return branch is not None and delivery.get("branch") is not None and branch != str(delivery.get("branch"))


def readback_for(action: PendingAction, today: date) -> str:
    facts = action.store_facts or {}
    phone = f"Телефон {uk.phone_tail_words(str(action.arguments['request']['phone']))}."
    if action.name == "create_order":
        question = "Оформлюю? Скажіть «так» або натисніть один."
        quote = OrderQuote.model_validate(facts["quote"])
        readback = uk.order_readback(
            quote.lines, quote.delivery, quote.total_uah, delivery_cost_uah=quote.delivery_cost_uah, question=""
        )
        return f"{readback} {phone} {question}"
    question = "Записую? Скажіть «так» або натисніть один."
    slot = FittingSlot.model_validate(facts["slot"])
    centre = FittingCentre.model_validate(facts["centre"])
    readback = uk.booking_readback(
        centre.address,
        datetime.fromisoformat(slot.start),
        city=None if centre.city in centre.address else centre.city,  # "м. Київ, вул. ..." says it
        today=today,
        question="",
    )
    return f"{readback} {phone} {question}"


def fulfilment_words(kind: FulfilmentKind, result: FulfilmentResult | None) -> str:
    """What the caller hears after saying yes: the number if the store was quick, else the SMS."""
    order = kind == FulfilmentKind.ORDER
    if result is None:
        what = "Замовлення прийнято" if order else "Запис прийнято"
        return f"{what}. Номер і деталі надійдуть вам в SMS. Чим ще можу допомогти?"
    if result.status == FulfilmentStatus.REFUSED:
        what = "товару вже не вистачає" if order else "цей час щойно зайняли"
        return f"На жаль, поки ми оформлювали, {what}. Менеджер зателефонує вам найближчим часом."
    what = "Замовлення" if order else "Запис на шиномонтаж"
    number = uk.speak_order_number(result.number or "")
    sms = " SMS з деталями надіслано." if result.sms_sent else ""
    return f"Готово! {what} номер {number}.{sms} Чим ще можу допомогти?"
