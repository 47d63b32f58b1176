"""(being written)"""

from chaos.report import Scenario

SCENARIOS: list[Scenario] = []
