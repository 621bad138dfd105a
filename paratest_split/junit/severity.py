"""How serious an outcome is: which of one test's results in one report counts (`run`'s
`runner.results.dedupe` and `merge` agree), and the worst of several outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from paratest_split.core.model import Outcome

SEVERITY: Final = {Outcome.SKIPPED: 0, Outcome.PASSED: 1, Outcome.FAILED: 2, Outcome.ERROR: 3}
"""error > failed > passed > skipped."""


def worst(outcomes: Iterable[Outcome]) -> Outcome | None:
    """The most serious outcome: error > failed > passed > skipped; None for no outcomes."""
    result: Outcome | None = None
    for outcome in outcomes:
        if result is None or SEVERITY[outcome] > SEVERITY[result]:
            result = outcome
    return result
