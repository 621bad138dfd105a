"""Pure: reading the cost model's JUnit suite properties (`core.model` names them): numbers
that are finite and >= 0, else nothing."""

from __future__ import annotations

import math
from collections.abc import Mapping


def property_number(text: str | None) -> float | None:
    """A cost property's value: a finite number >= 0, else None."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def prefixed_numbers(properties: Mapping[str, str], prefix: str) -> dict[str, float]:
    """`<prefix><key>` properties with a usable number: key -> number, sorted by key."""
    found = {}
    for name, value in sorted(properties.items()):
        if name.startswith(prefix):
            number = property_number(value)
            if number is not None:
                found[name[len(prefix) :]] = number
    return found
