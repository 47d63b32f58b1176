"""The offline brain's entry point (kept for imports): the rules live in `activities.brain.rules`."""

from activities.brain.rules import ASK_SIZE, HELP, SORRY_STORE, RulesBrain

__all__ = ["ASK_SIZE", "HELP", "SORRY_STORE", "RulesBrain"]
