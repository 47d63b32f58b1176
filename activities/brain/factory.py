"""The brains available to agent steps, chosen by configuration (no audio libraries imported here)."""

from __future__ import annotations

from activities.brain.base_brain import Brain
from activities.brain.rules_brain import RulesBrain
from callcenter.settings import LlmEngine, Settings


def make_brains(settings: Settings) -> dict[str, Brain]:
    """Every brain a call may name in `CallStart.llm_engine`; the offline rules brain always."""
    return {LlmEngine.RULES.value: RulesBrain()}
