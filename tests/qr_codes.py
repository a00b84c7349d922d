"""What a phone's camera reads from the QR codes the portal draws: on a page (a screenshot of the element) and in
a PDF (each page rendered by poppler's pdftoppm); zbarimg (Debian's zbar-tools, installed by `make browser`) reads
them."""
import subprocess
from pathlib import Path


def scanned(element, picture: Path) -> str:
    """The QR code `element` shows as the browser draws it, photographed to `picture`."""
    picture.parent.mkdir(parents=True, exist_ok=True)
    element.screenshot(path=str(picture))
    return subprocess.run(["zbarimg", "--raw", "-q", str(picture)], capture_output=True, text=True,
                          timeout=120).stdout.strip()


def printed_in(pdf: Path) -> str:
    """Every QR code printed on the PDF's pages, rendered next to it."""
    pages = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(pages)], check=True, timeout=120)
    return subprocess.run(["zbarimg", "--raw", "-q", *map(str, sorted(pdf.parent.glob(f"{pages.name}-*.png")))],
                          capture_output=True, text=True, timeout=120).stdout
