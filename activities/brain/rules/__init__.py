"""The offline rules brain, one module per scenario; `RulesBrain` is the entry point."""

from activities.brain.rules.brain import RulesBrain
from activities.brain.rules.common import ASK_SIZE, HELP, SORRY_STORE

__all__ = ["ASK_SIZE", "HELP", "SORRY_STORE", "RulesBrain"]
