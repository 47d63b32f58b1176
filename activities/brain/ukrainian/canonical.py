"""Tool arguments in the store's canonical form, whoever wrote them (Claude, the rules brain, a test).

A model writes what it heard: "Туксон", "хюндай", "205/55r16" in one field, "067 123 45 67",
"у Львові", "зимові". `canonical_arguments` puts every such value through the understanding
layer's own normalisers (the same ones the rules brain's slots come from), so the store sees
"Hyundai" / "Tucson", width 205 / profile 55 / rim 16, "+380671234567", "Львів", "winter".
Values it cannot read are left as they are: the tool's own validation and the store decide.
"""

from __future__ import annotations

import re
from typing import Any

_SIZE_FIELDS = ("width", "profile", "rim")


def canonical_arguments(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A copy of a tool call's arguments with names, sizes, phones and cities made canonical."""
    args = dict(arguments)
    if tool == "search_tires":
        _size(args)
        if isinstance(args.get("brand"), str) and args["brand"].strip():
            args["brand"] = _brand(args["brand"])
        if isinstance(args.get("season"), str):
            args["season"] = _season(args["season"])
        if isinstance(args.get("max_price"), str):
            digits = re.sub(r"\D", "", args["max_price"])
            args["max_price"] = int(digits) if digits else None
    if tool == "vehicle_fitment":
        _vehicle(args)
    if isinstance(args.get("city"), str) and args["city"].strip():
        args["city"] = _city(args["city"])
    if isinstance(args.get("phone"), str) and args["phone"].strip():
        args["phone"] = _phone(args["phone"])
    if isinstance(args.get("order_number"), str):
        digits = re.sub(r"\D", "", args["order_number"])
        args["order_number"] = digits or args["order_number"]
    return args


def _size(args: dict[str, Any]) -> None:
    """ "205/55r16" in any one field (or "R16" as the rim) → the three numbers."""
    from activities.brain.ukrainian.sizes import parse_size_parts

    for field in _SIZE_FIELDS:
        value = args.get(field)
        if isinstance(value, str):
            parts = parse_size_parts(value.replace("/", " / "))
            if parts is not None and (parts.width or parts.profile or parts.rim):
                found = {"width": parts.width, "profile": parts.profile, "rim": parts.rim}
                if sum(v is not None for v in found.values()) > 1:
                    args.update({k: v for k, v in found.items() if v is not None})
                    continue
            digits = re.sub(r"\D", "", value)
            args[field] = int(digits) if digits else None


def _brand(name: str) -> str:
    from activities.brain.ukrainian.entities import extract_brand
    from activities.brain.ukrainian.understanding import _analyse

    slot, _ = extract_brand(_analyse(name))
    return slot.value if slot is not None and slot.sure else name.strip()


def _season(value: str) -> str | None:
    from activities.brain.ukrainian.tires import parse_season

    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key in ("summer", "winter", "all_season"):
        return key
    return parse_season(value) or value


def _vehicle(args: dict[str, Any]) -> None:
    from activities.brain.ukrainian.understanding import understand

    make, model = str(args.get("make") or ""), str(args.get("model") or "")
    heard = understand(f"{make} {model}".strip()).slots.get("vehicle")
    if heard is not None and heard.sure:
        args["make"] = heard.value["make"]
        if heard.value.get("model"):
            args["model"] = heard.value["model"]
    year = args.get("year")
    if isinstance(year, str):
        digits = re.sub(r"\D", "", year)
        args["year"] = int(digits) if len(digits) == 4 else None


def _city(value: str) -> str:
    from activities.brain.ukrainian.understanding import understand

    slot = understand(value).slots.get("city")
    return slot.value if slot is not None and slot.sure else value.strip()


def _phone(value: str) -> str:
    from activities.brain.ukrainian.phones import normalise_phone, parse_phone

    return normalise_phone(value) or parse_phone(value) or value.strip()
