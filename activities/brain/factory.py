"""The brains available to agent steps, chosen by configuration (no audio libraries imported here)."""

from __future__ import annotations

from activities.brain.base_brain import Brain
from activities.brain.rules_brain import RulesBrain
from callcenter.settings import LlmEngine, Settings


def make_brains(settings: Settings) -> dict[str, Brain]:
    """Every brain a call may name in `CallStart.llm_engine`; the offline rules brain always,
    Claude when ANTHROPIC_API_KEY is set (asking for Claude without a key fails at start-up)."""
    rules: Brain = RulesBrain()
    if settings.sim_llm_first_token_ms > 0 or settings.sim_llm_tokens_per_s > 0:
        from activities.brain.paced_brain import PacedBrain

        rules = PacedBrain(rules, settings.sim_llm_first_token_ms, settings.sim_llm_tokens_per_s)
    brains: dict[str, Brain] = {LlmEngine.RULES.value: rules}
    if settings.anthropic_api_key is not None:
        from activities.brain.claude_brain import ClaudeBrain  # the SDK only where it is used

        brains[LlmEngine.CLAUDE.value] = ClaudeBrain.from_settings(settings)
    elif settings.llm_engine == LlmEngine.CLAUDE:
        raise ValueError("CALLCENTER_LLM_ENGINE=claude needs ANTHROPIC_API_KEY in the environment")
    return brains
