"""Languages of the console: gettext catalogs (Babel), one Jinja environment per language,
and dates, times and numbers in the centre's time zone and the reader's local format."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT = "zh_CN"
LANGUAGES = {"zh_CN": "中文", "en": "English"}  # each named in itself


def language_or_default(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT


@cache
def translations(language: str) -> Translations:
    """The compiled catalog of ``language`` (``make`` builds it from its .po file)."""
    mo = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.is_file():
        raise RuntimeError(f"{mo} is missing: run `make catalogs` (make install builds it)")
    with mo.open("rb") as file:
        return Translations(file, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    return translations(language).ugettext(message) if message else message


class Formats:
    """How one reader sees dates, times and amounts: in the centre's zone, their locale."""

    def __init__(self, language: str, timezone: str) -> None:
        self.locale = Locale.parse(language)
        self.zone = ZoneInfo(timezone)

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value, "medium", tzinfo=self.zone, locale=self.locale)

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, "medium", locale=self.locale)

    def amount(self, value: Decimal | float | None) -> str:
        if value is None:
            return ""
        return format_decimal(value, "#,##0.00", locale=self.locale)

    def duration(self, seconds: int) -> str:
        """How long, to the hour at least (``3天``, ``5小时``)."""
        span = timedelta(seconds=seconds)
        return format_timedelta(span, threshold=2, granularity="hour", locale=self.locale)

    def local_input(self, value: datetime | None) -> str:
        """A moment as a ``datetime-local`` input shows it: the centre's wall clock."""
        if value is None:
            return ""
        return value.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M")

    def from_local_input(self, text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=self.zone)
