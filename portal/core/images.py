"""Pictures people upload: refused when their pixel count could not be shown or decoded, and thumbnails.

An image's size on the wire says nothing about its size in memory: a 20,000 x
20,000 PNG of one colour is a few hundred kilobytes and 400 million pixels
(gigabytes to decode). The pixel count is read from the file's header first,
and anything beyond Pillow's decompression-bomb limit is refused before any
decoding.
"""
from __future__ import annotations

import io
import logging

from PIL import Image, ImageOps, UnidentifiedImageError
from flask_babel import lazy_gettext as _l

from portal.core import transactional_files as files
from portal.core.errors import DomainError
from portal.extensions import db

log = logging.getLogger(__name__)

IMAGE_TYPES = ("image/jpeg", "image/png")
THUMBNAIL_SIZE = (320, 320)
#: Images larger than this on the wire get no thumbnail (it would be read into memory to make one).
THUMBNAIL_MAX_BYTES = 25 * 1024 * 1024
#: Where a PNG or JPEG says how many pixels it has: the first bytes (after a JPEG's EXIF block).
HEADER_BYTES = 256 * 1024
#: The longest side of a published photo's page copy and of its small one (lists, cards, Open Graph previews use the
#: page's), and their JPEG quality.
LARGE, SMALL = 1280, 480
QUALITY = 82
#: Read into memory to re-encode: larger originals are refused (a phone photo is 3 to 8 MB).
MAX_SOURCE_BYTES = 25 * 1024 * 1024
#: Pillow's own limit (about 89 million pixels, e.g. 10,000 x 8,900), which a 108-megapixel photo only just passes.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS


class ImageTooLarge(DomainError):
    def __init__(self):
        super().__init__(_l("This image has too many pixels to be shown (at most %(limit)s million). Nothing "
                            "was uploaded; make the image smaller, or save it as a PDF, and upload it again.",
                            limit=MAX_PIXELS // 1_000_000))


def check_and_thumbnail(stored: files.StoredFile, prefix: str) -> str | None:
    """Refuse an image with too many pixels; store a small JPEG of any other image and return its key."""
    if stored.content_type not in IMAGE_TYPES:
        return None
    small = stored.size <= THUMBNAIL_MAX_BYTES
    # A small image is read once, for both the check and the thumbnail; of a large one only the header.
    content = files.read_object(stored.key) if small else files.read_head(stored.key, HEADER_BYTES)
    refuse_pixel_bomb_in(content)
    if not small:
        return None
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a fraction of the size
            image.thumbnail(THUMBNAIL_SIZE)
            output = io.BytesIO()
            image.convert("RGB").save(output, "JPEG", quality=80)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        log.info("no thumbnail for %s: %s", stored.key, error)
        return None
    return files.store_bytes(output.getvalue(), filename=f"thumb-{stored.filename}.jpg", prefix=prefix,
                             content_type="image/jpeg", session=db.session).key


def refuse_pixel_bomb(stored: files.StoredFile) -> None:
    """Refuse an image with too many pixels, reading only its header (no thumbnail)."""
    if stored.content_type in IMAGE_TYPES:
        refuse_pixel_bomb_in(files.read_head(stored.key, HEADER_BYTES))


def refuse_pixel_bomb_in(header: bytes) -> None:
    """Refuse an image whose header (or whole content) says it has more pixels than can be decoded."""
    try:
        with Image.open(io.BytesIO(header)) as image:
            width, height = image.size
    except Image.DecompressionBombError as error:
        raise ImageTooLarge() from error
    except (UnidentifiedImageError, OSError) as error:
        log.info("image header unreadable: %s", error)
        return
    if width * height > MAX_PIXELS:
        raise ImageTooLarge()


def web_copies(original: bytes) -> tuple[bytes, bytes, tuple[int, int]]:
    """Two JPEGs drawn from the pixels (a news or product photo for the public): turned upright as the camera said,
    then without any metadata (no EXIF, no GPS position, no camera serial). A JPEG is decoded at the smallest scale
    still larger than the page's copy, and each copy is made from the one before: a phone's 50-megapixel photo is
    never held whole, several times over, in memory."""
    refuse_pixel_bomb_in(original)
    try:
        with Image.open(io.BytesIO(original)) as opened:
            opened.draft("RGB", (LARGE, LARGE))
            large = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise DomainError(_l("This photo could not be read. Upload it again as JPEG or PNG.")) from error
    large.thumbnail((LARGE, LARGE))
    small = large.copy()
    small.thumbnail((SMALL, SMALL))
    copies = []
    for copy in (large, small):
        output = io.BytesIO()
        copy.save(output, "JPEG", quality=QUALITY, optimize=True, progressive=True)  # no exif= : none is written
        copies.append(output.getvalue())
    return copies[0], copies[1], large.size
