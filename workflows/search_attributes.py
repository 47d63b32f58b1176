"""Custom search attributes of call workflows: what ops filter calls by in the Temporal UI.

They must be registered on the server before a workflow sets them (``temporal/`` does that
for the dev server and documents the command for a cluster).
"""

from temporalio.common import SearchAttributeKey

CALLER_NUMBER = SearchAttributeKey.for_keyword("CallerNumber")
CALL_OUTCOME = SearchAttributeKey.for_keyword("CallOutcome")
CALL_SCENARIOS = SearchAttributeKey.for_keyword_list("CallScenarios")
ORDER_NUMBER = SearchAttributeKey.for_keyword("OrderNumber")
BOOKING_NUMBER = SearchAttributeKey.for_keyword("BookingNumber")
TRANSFERRED = SearchAttributeKey.for_bool("Transferred")
EDGE_ID = SearchAttributeKey.for_keyword("EdgeId")
# On fulfilment workflows: done, or refused (sold out, slot taken: a person follows up).
FULFILMENT_STATUS = SearchAttributeKey.for_keyword("FulfilmentStatus")

ALL = (
    CALLER_NUMBER,
    CALL_OUTCOME,
    CALL_SCENARIOS,
    ORDER_NUMBER,
    BOOKING_NUMBER,
    TRANSFERRED,
    EDGE_ID,
    FULFILMENT_STATUS,
)
