"""Rule 13: who is a minor, decided from the date of birth on the day asked, never stored.

The hub keeps, for a subject registered under 18, the day they turn 18 (``adult_on``); whether
they are a minor is asked of that day and the request's date, so the flag ends on the
birthday without anyone changing it. An adult at registration has no ``adult_on``.
"""

from __future__ import annotations

from datetime import date

MAJORITY = 18


def adult_on(born: date) -> date:
    """The day a person born on ``born`` turns 18 (born on 29 February: 1 March)."""
    year = born.year + MAJORITY
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return date(year, 3, 1)


def minor_on(adult: date | None, day: date) -> bool:
    """Whether a subject whose majority falls on ``adult`` is a minor on ``day``."""
    return adult is not None and day < adult


def adult_on_if_minor(born: date, day: date) -> date | None:
    """What to keep of a birth date: the day of majority while still ahead, else nothing."""
    majority = adult_on(born)
    return majority if day < majority else None
