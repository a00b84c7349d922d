"""Rupiah as people write and read it: "Rp 1.250.000", typed as "1.250.000", "1250000" or "Rp 1.250.000,50".

Amounts are exact decimals from the form to the database (`Numeric`) and back; no float ever holds one. A point
groups thousands and a comma starts the sen, as Indonesians write them, whatever the page's language: "12.50" is
refused rather than read as twelve and a half (one slip of a digit from 12.500, a thousand times more).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
import re

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale

from portal.core.i18n import format_number

#: The most a price or a sale may be: a billion Rupiah (the column holds more; a typo of three zeros does not pass).
LARGEST = Decimal("1000000000")
_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+(,\d{1,2})?")
_PLAIN = re.compile(r"\d+(,\d{1,2})?")


def parse(text: str | None) -> Decimal | None:
    """An amount as typed, Indonesian style (dots group thousands, a comma starts the sen), or None when empty;
    ValueError when it is not an amount. "1.250" is one thousand two hundred and fifty, as an Indonesian reads it."""
    written = re.sub(r"^\s*rp\.?\s*", "", (text or "").strip(), flags=re.IGNORECASE).replace(" ", "")
    if not written:
        return None
    if _GROUPED.fullmatch(written):
        written = written.replace(".", "").replace(",", ".")
    elif _PLAIN.fullmatch(written):
        written = written.replace(",", ".")
    else:
        raise ValueError(written)
    try:
        amount = Decimal(written)
    except InvalidOperation as error:
        raise ValueError(written) from error
    if amount > LARGEST:
        raise ValueError(written)
    return amount


def rupiah(amount) -> str:
    """"Rp 1.250.000" (sen only when there are some), in the reader's language's separators."""
    if amount is None:
        return ""
    exact = Decimal(amount).quantize(Decimal("0.01"))
    whole, sen = divmod(exact, 1)
    text = f"Rp {format_number(int(whole))}"
    return f"{text}{get_decimal_symbol(str(get_locale()))}{int(sen * 100):02d}" if sen else text


def as_typed(amount) -> str:
    """How a form shows a stored amount again, so that saving it unchanged keeps it: "1.250.000" (or
    "1.250.000,50"), in every language."""
    if amount is None:
        return ""
    exact = Decimal(amount).quantize(Decimal("0.01"))
    whole, sen = divmod(exact, 1)
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{grouped},{int(sen * 100):02d}" if sen else grouped
