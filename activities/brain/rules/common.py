"""What every scenario of the rules brain shares: fixed phrases, asking, reading a tool safely.

The brain's state lives in `ctx.memory` (the workflow carries it between turns):

- criteria: ``size`` {width, profile, rim}, ``season``, ``brand``, ``studded``, ``max_price``,
  ``city``, ``vehicle`` {make, model, year}, ``vehicle_sizes``
- ``options``: the tires last offered (search_tires results), ``selected``: the index meant
- ``order``: the order being put together {sku, name, quantity, method, city, branch, address}
- ``slots``: the fitting slots last offered
- ``stage``: the question the caller is answering (see `Stage`); ``question``: its words
- ``offer``: the yes/no question last asked ("availability", "order", "search", "more")
- ``misunderstood``: turns in a row the brain could not understand
- set by the workflow: ``declined`` (the caller said no to a read-back), ``fulfilled``
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from activities.brain.base_brain import StepContext
from activities.tools import ToolError
from workflows.models import ExpectedReply


class Stage(StrEnum):
    SEASON = "season"
    ORDER_PICK = "order_pick"
    ORDER_QUANTITY = "order_quantity"
    ORDER_DELIVERY = "order_delivery"
    ORDER_CITY = "order_city"
    ORDER_BRANCH = "order_branch"
    ORDER_ADDRESS = "order_address"
    ORDER_CHANGE = "order_change"
    STATUS_NUMBER = "status_number"
    FITTING_CITY = "fitting_city"
    FITTING_PICK = "fitting_pick"
    VEHICLE_GUESS = "vehicle_guess"  # "Ви мали на увазі Kia Sportage?"


# Stages whose answer is a number or free text: their parser goes first, before sizes and brands.
ANSWER_FIRST = {
    Stage.ORDER_QUANTITY, Stage.ORDER_BRANCH, Stage.ORDER_ADDRESS, Stage.STATUS_NUMBER,
    Stage.FITTING_PICK, Stage.ORDER_PICK, Stage.ORDER_DELIVERY, Stage.ORDER_CITY, Stage.FITTING_CITY,
}  # fmt: skip

MAX_MISUNDERSTOOD = 2

HELP = (
    "Я можу підібрати шини за розміром або за авто, перевірити наявність "
    "чи з'єднати вас з оператором. Що вас цікавить?"
)
ASK_SIZE = (
    "Підкажіть, будь ласка, розмір шин, наприклад двісті п'ять п'ятдесят п'ять ер шістнадцять. "
    "Його видно на боковині шини."
)
SORRY_STORE = "Вибачте, не можу зараз перевірити каталог. Можу з'єднати вас з оператором."
ANYTHING_ELSE = "Чим ще можу допомогти?"
SEASON_ADJECTIVE = {"winter": "зимові", "summer": "літні", "all_season": "всесезонні"}
ORDINALS = ("перша", "друга", "третя", "четверта", "п'ята")
ORDINALS_M = ("перший", "другий", "третій", "четвертий", "п'ятий")


async def ask(
    ctx: StepContext, question: str, stage: Stage | None = None, expect: ExpectedReply = ExpectedReply.OPEN
) -> None:
    """Say a question and remember what it asks for, so the next turn is read as its answer."""
    memory = ctx.memory
    if stage is None:
        memory.pop("stage", None)
    else:
        memory["stage"] = stage.value
    memory["question"] = question
    ctx.expect = expect
    await ctx.say(question)


async def offer(ctx: StepContext, question: str, kind: str) -> None:
    """A yes/no offer ("Оформити замовлення?"); a "так" next turn accepts it."""
    ctx.memory["offer"] = kind
    ctx.memory.pop("stage", None)
    ctx.memory["question"] = question
    ctx.expect = ExpectedReply.YES_NO
    await ctx.say(question)


async def anything_else(ctx: StepContext) -> None:
    await offer(ctx, ANYTHING_ELSE, "more")


async def read(ctx: StepContext, tool: str, args: dict[str, Any]) -> Any | None:
    """A read tool's result, or None after apologising when the store could not answer."""
    try:
        return await ctx.tools.call(tool, args)
    except ToolError:
        await ctx.say(SORRY_STORE)
        return None


def spoken_reason(error: ToolError) -> str | None:
    """The store's reason in the caller's language, or None if it is a technical message."""
    text = str(error).strip()
    if not text or not any("а" <= ch.lower() <= "я" or ch in "іїєґ" for ch in text):
        return None
    if any(marker in text for marker in ("http", "error", "422", "500", "invalid", "Traceback")):
        return None
    return text.rstrip(".")
