"""Custom search attributes of call and fulfilment workflows: what ops filter by in the Temporal UI.

``CallerNumber`` is set on call workflows only, so a search by a caller's number returns that
caller's calls; a fulfilment workflow (an order or booking) carries the customer's number as
``CustomerNumber``.

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
# On fulfilment workflows: the number the order or booking is for (not CallerNumber: that is calls').
CUSTOMER_NUMBER = SearchAttributeKey.for_keyword("CustomerNumber")

ALL = (
    CALLER_NUMBER,
    CALL_OUTCOME,
    CALL_SCENARIOS,
    ORDER_NUMBER,
    BOOKING_NUMBER,
    TRANSFERRED,
    EDGE_ID,
    FULFILMENT_STATUS,
    CUSTOMER_NUMBER,
)
