"""Appeal period: three weeks from posting, moved past weekends, holidays and the three eves."""

from datetime import date

import pytest

from meetings.anslag.rules import appeal_period_end
from meetings.calendar import is_working_day, next_working_day


@pytest.mark.parametrize(
    ("posted", "last_day"),
    [
        (date(2024, 10, 28), date(2024, 11, 18)),  # plain Monday → Monday
        (date(2024, 10, 26), date(2024, 11, 18)),  # ends Saturday → Monday
        (date(2026, 3, 16), date(2026, 4, 7)),  # ends Easter Monday 2026-04-06 → Tuesday
        (date(2026, 5, 29), date(2026, 6, 22)),  # ends midsommarafton 2026-06-19 → Monday
        (date(2026, 12, 3), date(2026, 12, 28)),  # ends julafton → after Christmas
        (date(2026, 12, 10), date(2027, 1, 4)),  # ends nyårsafton → across new year
    ],
)
def test_appeal_period_end(posted, last_day):
    assert appeal_period_end(posted) == last_day


def test_the_three_eves_are_not_working_days():
    assert not is_working_day(date(2026, 6, 19))  # midsommarafton
    assert not is_working_day(date(2026, 12, 24))
    assert not is_working_day(date(2026, 12, 31))
    assert is_working_day(date(2026, 6, 18))
    assert next_working_day(date(2026, 1, 6)) == date(2026, 1, 7)  # trettondedag jul
