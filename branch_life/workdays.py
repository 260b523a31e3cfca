"""Working days by the official calendar (国务院办公厅's holiday arrangement, with its adjusted
working weekends), as the `chinese-calendar` package knows it, overridden by the county's own
CalendarDay rows.

The package covers the years whose arrangement has been published (2004 to 2026 in 1.11.0). For
a later year it knows nothing: Monday to Friday then count as working days, `official()` says
False, and a county enters that year's holidays as CalendarDay rows once the State Council
publishes them (or upgrades the package).
"""

import datetime as dt
import logging

import chinese_calendar

from branch_life.models import CalendarDay

logger = logging.getLogger(__name__)


def official(day):
    """Does the official calendar know `day`'s year?"""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


class WorkingDays:
    """Answers "is this a working day" for many days with one query of the overrides."""

    def __init__(self, overrides=None):
        self.overrides = (
            dict(CalendarDay.objects.values_list("date", "working")) if overrides is None else overrides
        )
        self._warned = set()

    def is_working(self, day):
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                logger.warning("chinese-calendar has no data for %s: weekends only", day.year)
            return day.weekday() < 5

    def next_working(self, day, *, until):
        """The first working day from `day` to `until` (both included), or None."""
        while day <= until:
            if self.is_working(day):
                return day
            day += dt.timedelta(days=1)
        return None

    def previous_working(self, day, *, since):
        while day >= since:
            if self.is_working(day):
                return day
            day -= dt.timedelta(days=1)
        return None
