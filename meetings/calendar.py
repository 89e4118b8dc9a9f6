"""Swedish working days for legal deadlines (lag 1930:173 om beräkning av lagstadgad tid).

A deadline that ends on a Saturday, Sunday, public holiday, midsommarafton,
julafton or nyårsafton moves to the next working day. Public holidays come from
the `holidays` package; the three eves are added here because the law names them.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def non_working_days(year: int) -> frozenset[date]:
    """Every public holiday of the year plus midsommarafton, julafton and nyårsafton."""
    public = holidays.Sweden(years=year, categories=("public",))
    days = set(public.keys())
    midsummer_day = next(d for d in public if d.month == 6 and 20 <= d.day <= 26 and d.weekday() == 5)
    days.add(midsummer_day - timedelta(days=1))  # midsommarafton
    days.add(date(year, 12, 24))  # julafton
    days.add(date(year, 12, 31))  # nyårsafton
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in non_working_days(day.year)


def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
