"""The files a field takes, said as a person knows them: "PDF, Word, Excel, foto JPG/PNG, atau video MP4, paling
besar 2 GB", never a list of content types.

Always read from what the field really checks (its allowed types and its size limit, usually from the config),
so the words and the rule cannot drift apart: there is no second copy of the list.
"""
from __future__ import annotations

from collections.abc import Iterable

from babel.lists import format_list
from flask_babel import get_locale, gettext as _

from portal.core.i18n import format_number

#: What the program that makes it is called, for documents (a person saves "a Word file", not a DOCX).
_PROGRAMS = {
    "application/pdf": "PDF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
}
#: How a phone or a camera names the format of a photo or a video.
_FORMATS = {"image/jpeg": "JPG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIC",
            "video/mp4": "MP4", "video/quicktime": "MOV", "video/3gpp": "3GP"}


def kinds(allowed: Iterable[str]) -> str:
    """"PDF, Word, foto JPG/PNG, atau video MP4": documents by program, then photos and videos by format."""
    documents, photos, videos = [], [], []
    for content_type in allowed:
        family = content_type.split("/", 1)[0]
        name = _FORMATS.get(content_type) or content_type.rsplit("/", 1)[-1].rsplit(".", 1)[-1].upper()
        if family == "image":
            photos.append(name)
        elif family == "video":
            videos.append(name)
        else:
            documents.append(_PROGRAMS.get(content_type, name))
    said = list(dict.fromkeys(documents))
    if photos:
        said.append(_("photo %(formats)s", formats="/".join(dict.fromkeys(photos))))
    if videos:
        said.append(_("video %(formats)s", formats="/".join(dict.fromkeys(videos))))
    return format_list(said, style="or", locale=str(get_locale() or "en")) if said else ""


def size(n: int) -> str:
    """A size as a person reads it on their phone: "2 GB", "200 MB", "500 KB" (1,024-based, as phones count)."""
    for unit, power in (("GB", 3), ("MB", 2), ("KB", 1)):
        if n >= 1024 ** power:
            value = n / 1024 ** power
            return f"{_number(round(value) if value >= 10 else round(value, 1))} {unit}"
    return _("%(n)s bytes", n=_number(n))


def _number(value) -> str:
    """In the request's language; outside a request (a storage thread's str() of a refusal) as Python writes it."""
    return format_number(value) if get_locale() is not None else f"{value:g}"


def accepted(allowed: Iterable[str], max_bytes: int) -> str:
    """"PDF, Word, Excel, foto JPG/PNG, atau video MP4, paling besar 2 GB"."""
    return _("%(kinds)s, at most %(size)s", kinds=kinds(allowed), size=size(max_bytes))
