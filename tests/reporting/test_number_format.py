"""Numbers read the way Indonesians write them (1.234,5), exactly as Babel would write them, only faster."""
from decimal import Decimal
import random

from babel.numbers import format_decimal
from flask_babel import force_locale
import pytest

from portal.core.i18n import format_number

VALUES = [0, 1, -1, 7, 999, 1000, 1234567, -98765, 10**12, 0.5, 2.25, 2.35, 1234.5678, -3.0005, 0.0004, -0.0004,
          1e-7, Decimal("12.50"), Decimal("1234.0005"), Decimal("1234.0015"), Decimal("-0.0001"), Decimal("99999.9999")]


@pytest.mark.parametrize("locale", ["id", "en"])
def test_numbers_are_written_as_babel_writes_them(app, locale):
    generated = random.Random(7)
    values = VALUES + [generated.randint(-10**9, 10**9) for _ in range(300)] + \
        [round(generated.uniform(-10**6, 10**6), generated.randint(0, 5)) for _ in range(300)] + \
        [Decimal(generated.randint(0, 10**8)) / 10 ** generated.randint(0, 4) for _ in range(300)]
    with app.test_request_context(), force_locale(locale):
        for value in values:
            assert format_number(value) == format_decimal(value, locale=locale), value


def test_indonesian_uses_dots_for_thousands_and_a_comma_for_decimals(app):
    with app.test_request_context(), force_locale("id"):
        assert format_number(1234567.5) == "1.234.567,5"
        assert format_number(None) == ""


@pytest.mark.parametrize("locale", ["id", "en"])
def test_dates_are_written_as_babel_writes_them_in_the_portals_time_zone(app, locale):
    from datetime import date, datetime, timedelta, timezone

    from flask_babel import format_date, format_datetime

    from portal.core.i18n import long_date, long_datetime

    generated = random.Random(11)
    moments = [datetime(2026, 12, 31, 17, 30), datetime(2026, 1, 1, 0, 0), datetime(2024, 2, 29, 16, 59)] + [
        datetime(2020, 1, 1) + timedelta(minutes=generated.randint(0, 6 * 525_600)) for _ in range(300)]
    with app.test_request_context(), force_locale(locale):
        for moment in moments:
            assert long_datetime(moment) == format_datetime(moment, "d MMMM y HH:mm"), moment
            aware = moment.replace(tzinfo=timezone.utc)
            assert long_datetime(aware) == format_datetime(aware, "d MMMM y HH:mm"), aware
            day = date(moment.year, moment.month, moment.day)
            assert long_date(day) == format_date(day, "d MMMM y"), day
        assert long_date(None) == long_datetime(None) == ""
