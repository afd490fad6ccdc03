"""Who reads a strategic cell's documents and who writes its priorities (pure rules)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.policies.priorities import StrategicReason, may_read, may_write_priorities


@given(strategic=st.booleans(), invited=st.booleans())
def test_only_invited_members_of_a_strategic_cell_read(strategic: bool, invited: bool) -> None:
    verdict = may_read(strategic=strategic, invited=invited)
    assert verdict.allowed == (strategic and invited)
    if not strategic:
        assert verdict.reason is StrategicReason.NOT_STRATEGIC
    elif not invited:
        assert verdict.reason is StrategicReason.NOT_INVITED
    else:
        assert verdict.reason is StrategicReason.INVITED


@given(strategic=st.booleans(), chair=st.booleans(), invited=st.booleans())
def test_only_the_chair_of_a_strategic_cell_writes(
    strategic: bool, chair: bool, invited: bool
) -> None:
    verdict = may_write_priorities(strategic=strategic, chair=chair, invited=invited)
    assert verdict.allowed == (strategic and chair)
    if not strategic:
        assert verdict.reason is StrategicReason.NOT_STRATEGIC
    elif not chair:
        expected = StrategicReason.NOT_CHAIR if invited else StrategicReason.NOT_INVITED
        assert verdict.reason is expected
    else:
        assert verdict.reason is StrategicReason.CHAIR
