"""Print a rendered HTML report to PDF with headless Chromium.

The review's HTML pages are self-contained (CSS inlined, images as data URIs), so Chromium prints
them offline. Chromium is a system package (Debian: ``apt-get install chromium``), not a Python
dependency; :func:`find_chromium` looks for it and :func:`html_to_pdf` raises
:class:`ChromiumNotFoundError` when there is none, so a caller can carry on without the PDF.

Chromium is always started with flags that stop it reaching for the network (the report machines
have none) and with a throw-away profile, so two prints never share state.

Page numbers and print layout come from CSS in the page itself: :data:`PRINT_CSS` (A4, margins,
"Page N of M" in the bottom margin through ``@page`` margin boxes, which Chromium renders since
version 131; no break inside a chart or a table row; headings kept with what follows; the
``¶`` anchor links hidden). A notebook includes it with
``display(HTML(f"<style>{PRINT_CSS}</style>"))``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from csperf_lib.core.errors import CsperfError

__all__ = [
    "CHROMIUM_FLAGS",
    "ChromiumNotFoundError",
    "PRINT_CSS",
    "PRINT_CSS_MARKER",
    "PdfError",
    "find_chromium",
    "html_to_pdf",
]

#: Environment variable naming the Chromium (or Chrome) binary to use.
CHROMIUM_ENV = "CSPERF_CHROMIUM"
#: Binaries looked for on PATH, in order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: Flags for every headless start: no GPU, no sandbox (containers, root), and nothing that would
#: reach the network (QUIC, component updates, sync, background fetches).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # small /dev/shm in containers (Docker's default is 64 MB) crashes renderers of large pages
    "--disable-dev-shm-usage",
)
#: The one-line reason given when no Chromium binary is found.
CHROMIUM_MISSING = "Chromium not found (apt-get install chromium)"

#: First line of :data:`PRINT_CSS`; tells whether a page already includes it.
PRINT_CSS_MARKER = "/* csperf print css */"

#: Print stylesheet for a report meant to become a PDF: A4 with margins, "Page N of M" at the
#: bottom right, no page break inside a chart, a table row or a code block, headings kept with
#: the next block, and nbconvert's "¶" anchor links hidden.
PRINT_CSS = (
    PRINT_CSS_MARKER
    + """
@page {
  size: A4;
  margin: 16mm 15mm 18mm 15mm;
  @bottom-right {
    content: "Page " counter(page) " of " counter(pages);
    font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
    font-size: 8.5pt;
    color: #57606a;
  }
}
@media print {
  html, body { background: #fff !important; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a.anchor-link, .anchor-link { display: none !important; }
  a { color: inherit; text-decoration: none; }
  main, .jp-Notebook { padding: 0 !important; margin: 0 !important; }
  h1, h2, h3, h4, h5, h6 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
  img, svg, figure, pre, blockquote, tr, .jp-RenderedImage, .jp-RenderedSVG {
    break-inside: avoid; page-break-inside: avoid;
  }
  img, svg { max-width: 100% !important; height: auto !important; }
  /* a table wider than the page would be cut off at the right margin: let it shrink to the
     page, wrapping long words, identifiers and paths */
  table { table-layout: auto !important; max-width: 100% !important; font-size: 8.5pt !important; }
  th, td { white-space: normal !important; overflow-wrap: break-word; padding: 0.3em 0.4em !important; }
  /* code wraps at spaces and at the break points (<wbr>) the page puts after dots and slashes,
     never inside a word: a cut word or path is unreadable in print and breaks text search */
  code, pre { white-space: pre-wrap !important; overflow-wrap: normal; word-break: normal; }
  thead { display: table-header-group; }
  tfoot { display: table-footer-group; }
  p, li { orphans: 3; widows: 3; }
  /* JupyterLab's CSS makes every output a clipped table cell and forbids a page break inside
     it: a long table then starts on a fresh page (leaving most of the previous one blank) and
     anything wider than the page is cut off. Plain blocks that may break between table rows. */
  .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output {
    display: block !important; overflow: visible !important;
  }
  .jp-OutputArea-child { break-inside: auto !important; }
  .jp-RenderedHTMLCommon p { overflow: visible !important; }
  .no-print { display: none !important; }
}
"""
)


class PdfError(CsperfError):
    """A report could not be printed to PDF."""


class ChromiumNotFoundError(PdfError):
    """No Chromium binary to print with."""


def find_chromium() -> str | None:
    """The Chromium binary to print with, or None.

    ``$CSPERF_CHROMIUM`` when set (a path or a name on PATH), else the first of ``chromium``,
    ``chromium-browser``, ``google-chrome`` on PATH.

    Raises
    ------
    ChromiumNotFoundError
        ``$CSPERF_CHROMIUM`` is set but names no executable (a mistake worth reporting rather
        than silently printing with another browser).
    """
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        found = shutil.which(named)
        if found is None:
            raise ChromiumNotFoundError(f"{CHROMIUM_ENV}={named} is not an executable")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(
    html_path: str | Path,
    pdf_path: str | Path,
    *,
    chromium: str | Path | None = None,
    timeout_s: float = 120,
) -> Path:
    """Print an HTML file to PDF with headless Chromium (``--print-to-pdf``).

    The browser's own header and footer (date, URL) are left out; page size, margins and page
    numbers come from the page's CSS (see :data:`PRINT_CSS`). The PDF is written to a temporary
    name beside ``pdf_path`` and renamed, so a failed print never leaves half a file.

    Parameters
    ----------
    html_path : str or Path
        The page to print (opened as a ``file://`` URL).
    pdf_path : str or Path
        Where to write the PDF (its folder must exist).
    chromium : str or Path, optional
        The browser binary (default: :func:`find_chromium`).
    timeout_s : float, keyword-only
        Give up after this many seconds.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    ChromiumNotFoundError
        No Chromium binary was found.
    PdfError
        The page is missing, or Chromium failed, timed out or wrote no PDF.
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path)
    if not html_path.is_file():
        raise PdfError(f"cannot print {html_path} to PDF: no such file")
    exe = str(chromium) if chromium is not None else find_chromium()
    if exe is None:
        raise ChromiumNotFoundError(CHROMIUM_MISSING)
    if shutil.which(exe) is None:
        raise ChromiumNotFoundError(f"{exe} is not an executable")
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf_path.with_name(f".{pdf_path.name}.partial-{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="csperf-chromium-") as profile:
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={partial}",
            html_path.as_uri(),
        ]
        try:
            done = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            partial.unlink(missing_ok=True)
            raise PdfError(
                f"Chromium did not print {html_path.name} within {timeout_s:g} s"
            ) from None
        except OSError as exc:
            raise PdfError(f"could not start {exe}: {exc.strerror or exc}") from None
    ok = (
        done.returncode == 0
        and partial.is_file()
        and partial.stat().st_size > 0
        and partial.read_bytes()[:5] == b"%PDF-"
    )
    if not ok:
        partial.unlink(missing_ok=True)
        raise PdfError(
            f"Chromium could not print {html_path.name} (exit code {done.returncode}): "
            f"{_last_error_line(done.stderr)}"
        )
    os.replace(partial, pdf_path)
    return pdf_path


def _last_error_line(stderr: str) -> str:
    """The most telling line of Chromium's stderr (its D-Bus complaints are noise)."""
    lines = [
        line.strip()
        for line in (stderr or "").splitlines()
        if line.strip() and "dbus" not in line.lower() and "unexpected operator" not in line
    ]
    return lines[-1][:300] if lines else "no error message"
