"""Phone numbers never reach logs in full; ops summaries show them masked."""

from __future__ import annotations

import logging

import pytest

from callcenter.logging_setup import MaskPhonesFilter
from workflows.masking import mask_phone, mask_phones_in


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+380501234567", "+38050***4567"), ("0501234567", "05012***4567"), ("", ""), ("123", "***")],
)
def test_mask_phone(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


def test_free_text_numbers_are_masked_in_any_spelling() -> None:
    text = "дзвінок з +380 (50) 123-45-67 і 0671112233, замовлення 1234"
    masked = mask_phones_in(text)
    assert "123-45-67" not in masked and "0671112233" not in masked
    assert "+38050***4567" in masked and "06711***2233" in masked
    assert "замовлення 1234" in masked, "short numbers (orders, sizes) stay readable"


def test_call_and_run_ids_stay_whole_beside_a_masked_number() -> None:
    """Ops copy ids from the log into the Temporal UI: their digit groups are not phone numbers."""
    text = ("call 12345678-1234-1234-1234-123456789012 from +380501234567: "
            "'workflow_run_id': '01a20e59-8380-8279-db12-a5a82befbda9'")
    assert mask_phones_in(text) == ("call 12345678-1234-1234-1234-123456789012 from +38050***4567: "
                                    "'workflow_run_id': '01a20e59-8380-8279-db12-a5a82befbda9'")


def test_log_records_are_masked_before_any_handler_writes_them(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    logger.addFilter(MaskPhonesFilter())
    with caplog.at_level(logging.INFO, logger="test.masking"):
        logger.info("call from %s about %s", "+380501234567", "205/55 R16")
    assert caplog.records[0].getMessage() == "call from +38050***4567 about 205/55 R16"
