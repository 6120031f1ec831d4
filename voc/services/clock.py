"""One rule for time: instants are stored in UTC; a "day" is a day in the team's time zone.

A team in Auckland that logs feedback at 09:00 on Tuesday must see Tuesday, not the server's
Monday, in every default date, "today" bound and future-date check (TEAM_TIMEZONE, default UTC).
"""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app


def zone_named(name: str) -> ZoneInfo:
    """The zone, or a clear error naming the setting (checked once when the app starts)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise RuntimeError(
            f"TEAM_TIMEZONE {name!r} is not a time zone; use an IANA name such as 'Europe/Zurich'."
        ) from error


def now() -> dt.datetime:
    """This instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def here() -> dt.datetime:
    """This instant on the team's clocks, for times shown to people."""
    return now().astimezone(zone_named(current_app.config["TEAM_TIMEZONE"]))


def today() -> dt.date:
    """Today's date where the team works."""
    return here().date()
