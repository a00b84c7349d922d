"""What addresses carry: page numbers, record ids and list filters, read so nonsense cannot hurt.

A record id beyond what the database's integer column holds would make the
database raise (a 500); such a value simply matches nothing here, as an
unknown id does.
"""
from flask import request
from werkzeug.routing import IntegerConverter

#: The largest id an INTEGER column holds on PostgreSQL (and so on every database the portal runs on).
MAX_ID = 2**31 - 1
#: No list is that long; a larger page number is someone typing, and shows the last page's emptiness.
MAX_PAGE = 100_000


def _numbers_up_to(limit: int) -> str:
    """A regular expression for 1 to `limit`, written without leading zeros (`limit` itself, or a smaller prefix
    then any digits, or fewer digits)."""
    text = str(limit)
    shorter = [rf"[1-9]\d{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    below = [f"{text[:at]}[{1 if at == 0 else 0}-{int(digit) - 1}]" + (rf"\d{{{len(text) - at - 1}}}"
                                                                   if at < len(text) - 1 else "")
             for at, digit in enumerate(text) if int(digit) > (1 if at == 0 else 0)]
    return "|".join([*shorter, *below, text])


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route: a positive id the database can hold, else the route does not match (404).

    The bound is in the pattern, not only in `to_python`: werkzeug checks a converter after matching methods, so a
    larger id sent with PATCH to `/x/<int:id>` (GET and PATCH) answered 405 naming GET, which then answered 404.
    """

    regex = _numbers_up_to(MAX_ID)

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def record_id(value: str) -> int:
    """For `request.args.get(name, type=record_id)`: an id, or None (ValueError) when it cannot be one."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


def page_number(argument: str = "page") -> int:
    """The `page` argument (or another page-numbering one), between 1 and MAX_PAGE."""
    return min(max(request.args.get(argument, 1, type=int), 1), MAX_PAGE)


def filter_args() -> dict[str, str]:
    """The list's current filters, without its page number, for pagination and export links."""
    return {key: value for key, value in request.args.items() if key != "page"}
