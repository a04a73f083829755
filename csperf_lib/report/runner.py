"""Run a whole review: execute the stage notebooks, render them to HTML, write an index.

A review is a folder of stage notebooks ``NN_name.ipynb`` (by default the project's
``notebooks/``), run in numeric order with papermill. Each stage receives four parameters, all
plain strings (``store_url`` may be None)::

    config_path   absolute path of the validated review.yaml
    run_dir       absolute path of the folder the stage writes its files and summary entries to
    store_url     processed store URL given on the command line (None: the config's / the default)
    run_date      the review date, YYYY-MM-DD

Nothing else is injected: credentials never reach an executed notebook (SQL passwords are read from
environment variables by library code, and a store URL holding a password is refused).

The result for run date ``D`` is ``<out_dir>/D/``::

    00_collect.ipynb  00_collect.html  01_validate.ipynb  01_validate.html  ...
    summary.json      index.html

When the run has an evidence-report stage (``07_evidence_report``), its page is also written as
``evidence_report.html`` and printed to ``evidence_report.pdf`` with headless Chromium
(:mod:`csperf_lib.report.pdf`); without Chromium the review still succeeds and says why there is no PDF.
``index.html`` links the evidence report first and ``summary.json`` records both files under
``evidence_report``.

Everything is first written to a hidden ``<out_dir>/.D.partial-<pid>/`` folder and moved into place
only when every stage ran, so a failed or interrupted run never replaces a good report. A failed run
is kept as ``<out_dir>/D.failed-HHMMSS/`` with the executed failing notebook (and its HTML) to read.

The HTML reports hide code and prompts and load nothing from the network: the nbconvert ``lab``
template is used with its require.js, MathJax, Mermaid and widget loaders (CDN scripts) removed;
its CSS is inlined and plots are embedded as data URIs, so a report opens offline. Consequently
LaTeX in Markdown is shown as written, and a ``$`` in text (prices) is never turned into maths.
Images without a description (nbconvert's default alt text) are described by the nearest heading
before them ("Chart: Trends over the review period").

Kernel transport: ipykernel 7 logs "Kernel is running over TCP without encryption" at every start.
When pyzmq supports CurveZMQ (the normal wheels do) the kernels are started with transport
encryption, which removes the cause. The kernels' own stderr (their start-up log) is captured too:
that one line is dropped and anything else is passed on to stderr after the stage, so real warnings
stay visible.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import html
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import nbformat
import pandas as pd
import papermill
from jupyter_client.manager import AsyncKernelManager, KernelManager
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError
from traitlets import Unicode
from traitlets.config import Config

from csperf_lib import __version__
from csperf_lib.core.config import ReviewConfig, check_store_argument, load_config
from csperf_lib.core.errors import StageError, UsageError
from csperf_lib.core.paths import default_store_url
from csperf_lib.core.paths import notebooks_dir as default_notebooks_dir
from csperf_lib.core.scope import skip_reason
from csperf_lib.core.summary import validate_summary
from csperf_lib.core.summary_io import SUMMARY_FILE, read_summary, update_summary
from csperf_lib.ingest.store import Store
from csperf_lib.methods.privacy import privacy_settings, pseudonym_key_table
from csperf_lib.report.images import compact_png
from csperf_lib.report.index_page import render_index
from csperf_lib.report.pdf import PRINT_CSS, PRINT_CSS_MARKER, PdfError, html_to_pdf
from csperf_lib.report.publish import failed_dir, publish, sweep_stale, terminate_as_interrupt
from csperf_lib.stages.config_check import check_config

__all__ = [
    "EVIDENCE_HTML",
    "EVIDENCE_PDF",
    "INDEX_FILE",
    "ReviewKernelManager",
    "RunResult",
    "StageResult",
    "discover_stages",
    "offline_html_exporter",
    "render_html",
    "run_review",
]

INDEX_FILE = "index.html"
#: The evidence-report stage (``NN_evidence_report``) and the files made from it.
EVIDENCE_STAGE = re.compile(r"^\d+_evidence_report$")
EVIDENCE_HTML = "evidence_report.html"
EVIDENCE_PDF = "evidence_report.pdf"
#: Stage notebooks: two or more digits, an underscore, a name.
STAGE_PATTERN = re.compile(r"^(\d+)_[^/\\]+\.ipynb$")
KERNEL_NAME = "python3"
#: Kernel start-up log lines dropped from the forwarded kernel stderr.
NOISE_PATTERNS = (
    re.compile(r"Kernel is running over TCP without encryption"),
    # logged by a kernel interrupted while papermill shuts it down after the last cell; a real
    # Ctrl-C is reported by the command line itself
    re.compile(r"KeyboardInterrupt caught in kernel"),
    # libzmq's shutdown race (zeromq/libzmq#1307, #3715) when a kernel is torn down after a stage
    # failed; a kernel that really dies mid-stage is reported by papermill as the stage's error
    re.compile(r"Assertion failed: pfd\.revents & POLLIN"),
)
ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"

#: The lab template minus everything that would load from a CDN (require.js, MathJax,
#: Mermaid, widget renderer). CSS is inlined by the lab template itself.
OFFLINE_TEMPLATE_NAME = "csperf_offline.html.j2"
OFFLINE_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""


@dataclass(frozen=True)
class StageResult:
    """One executed stage.

    Attributes
    ----------
    name : str
        Stage name, the notebook's file name without ``.ipynb`` (e.g. ``01_validate``).
    status : {"ok", "failed", "skipped"}
        Whether the notebook ran to the end, or was not run because the review gives it nothing
        to work on (see :mod:`csperf_lib.core.scope`).
    seconds : float
        Execution time (kernel start included, HTML rendering excluded).
    notebook : Path
        The executed notebook in the report folder.
    html : Path or None
        Its HTML rendering (None when it could not be rendered).
    reason : str
        Why a skipped stage was skipped, in one sentence ('' otherwise).
    """

    name: str
    status: str
    seconds: float
    notebook: Path
    html: Path | None
    reason: str = ""


@dataclass(frozen=True)
class RunResult:
    """A completed review.

    Attributes
    ----------
    run_dir : Path
        The report folder (``<out_dir>/<run_date>``, absolute).
    run_date : str
        The review date, YYYY-MM-DD.
    stages : tuple of StageResult
        The stages in the order they ran.
    summary_path : Path
        ``run_dir/summary.json``.
    evidence_html : Path or None
        ``run_dir/evidence_report.html`` when the run has an evidence-report stage.
    evidence_pdf : Path or None
        ``run_dir/evidence_report.pdf`` when it could be printed (Chromium found).
    """

    run_dir: Path
    run_date: str
    stages: tuple[StageResult, ...]
    summary_path: Path
    evidence_html: Path | None = None
    evidence_pdf: Path | None = None

    @property
    def index_path(self) -> Path:
        """``run_dir/index.html``."""
        return self.run_dir / INDEX_FILE


class ReviewKernelManager(AsyncKernelManager):
    """Kernel manager that sends the kernel process's own stderr to a file.

    The notebook's output is captured by the kernel itself; what reaches the process's stderr is
    the kernel application's log (start-up messages, crashes). The runner reads the file after
    each stage and passes on everything except known noise.
    """

    stderr_path = Unicode("", help="File the kernel process's stderr is appended to.").tag(
        config=True
    )

    async def start_kernel(self, **kw: Any) -> None:
        """Start the kernel with its stderr appended to ``stderr_path`` (when set)."""
        if not self.stderr_path or "stderr" in kw:
            await super().start_kernel(**kw)
            return
        with open(self.stderr_path, "ab") as sink:
            kw["stderr"] = sink
            await super().start_kernel(**kw)


def discover_stages(folder: str | Path) -> list[Path]:
    """The stage notebooks ``NN_name.ipynb`` of ``folder`` in numeric order.

    Parameters
    ----------
    folder : str or Path
        Folder holding the stage notebooks.

    Returns
    -------
    list of Path
        Sorted by the number, then by name (``2_x`` runs before ``10_y``).
    """
    folder = Path(folder)
    found = []
    for path in folder.iterdir() if folder.is_dir() else ():
        match = STAGE_PATTERN.match(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path.name, path))
    return [path for _, _, path in sorted(found)]


def render_html(
    notebook: str | Path,
    html_path: str | Path,
    *,
    title: str | None = None,
    resources_dir: str | Path | None = None,
    exporter: HTMLExporter | None = None,
) -> Path:
    """Render an executed notebook to a self-contained HTML page with the code hidden.

    Parameters
    ----------
    notebook : str or Path
        The executed ``.ipynb``.
    html_path : str or Path
        Where to write the page.
    title : str, optional
        Page title (default: the notebook's file name).
    resources_dir : str or Path, optional
        Folder that relative image links in Markdown cells are resolved against (they are embedded
        as data URIs); default: the notebook's folder.
    exporter : HTMLExporter, optional
        A reusable exporter from :func:`offline_html_exporter` (one is made when not given).

    Returns
    -------
    Path
        ``html_path``.
    """
    notebook = Path(notebook)
    html_path = Path(html_path)
    exporter = exporter or offline_html_exporter()
    nb = nbformat.read(notebook, as_version=4)
    resources = {
        "metadata": {
            "name": title or notebook.stem,
            "path": str(resources_dir or notebook.parent),
        }
    }
    body, _ = exporter.from_notebook_node(_compact_charts(nb), resources=resources)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _compact_charts(nb):
    """The notebook with every PNG output re-encoded by :func:`compact_png` (a copy)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                raw = base64.b64decode(data["image/png"])
                data["image/png"] = base64.b64encode(compact_png(raw)).decode("ascii")
    return nb


def run_review(
    config_path: str | Path,
    *,
    out_dir: str | Path = "reports",
    run_date: str | dt.date | None = None,
    store_url: str | None = None,
    notebooks_dir: str | Path | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> RunResult:
    """Run every stage notebook for a review and publish the report folder.

    Parameters
    ----------
    config_path : str or Path
        The review's ``review.yaml``; validated before anything runs.
    out_dir : str or Path, keyword-only
        Folder the dated report folders go to (created when missing).
    run_date : str or datetime.date, optional
        Review date, YYYY-MM-DD (default: today). Names the report folder; a second run on the
        same date replaces that folder once it completed.
    store_url : str, optional
        Processed store URL passed to the stages (None: the stages use the config's or the
        default store). Must not contain a password.
    notebooks_dir : str or Path, optional
        Folder of the stage notebooks (default: the project's ``notebooks/``).
    progress : bool, keyword-only
        Show papermill's per-cell progress bar (only on a terminal: in a log or CI the progress is
        one line per stage).
    log : callable, optional
        Receives one progress line per event (default: print to stderr).

    Returns
    -------
    RunResult

    Raises
    ------
    ConfigError
        The config is invalid (nothing ran).
    StageError
        A stage failed; the partial run was moved to ``<out_dir>/<date>.failed-HHMMSS/`` and any
        previous report for the date is untouched.
    UsageError
        No stage notebooks, a bad run date, an ``out_dir`` that is a file, or a store URL with a password.
    """
    log = log or _print_stderr
    config = check_config(load_config(config_path))  # every section, every problem, before any stage
    date = _run_date(run_date)
    check_store_argument(store_url)
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    nb_dir = nb_dir.resolve()
    stages = discover_stages(nb_dir)
    if not stages:
        raise UsageError(f"no stage notebooks (NN_name.ipynb) in {nb_dir}")

    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} is a file: name a folder for the dated report folders")
    out.mkdir(parents=True, exist_ok=True)
    for swept in sweep_stale(out):
        log(swept)
    partial = (out / f".{date}.partial-{os.getpid()}").resolve()
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir()
    run = _Run(config=config, date=date, out=out, partial=partial, nb_dir=nb_dir, store_url=store_url,
               progress=progress, log=log)
    with terminate_as_interrupt():
        return _run_and_publish(stages, run)


@dataclass(frozen=True)
class _Run:
    """What every step of one review run needs: the config, the run date, the output folder, the
    hidden folder being written, the notebooks' folder, the store URL given (or None) and how to
    report progress."""

    config: ReviewConfig
    date: str
    out: Path
    partial: Path
    nb_dir: Path
    store_url: str | None
    progress: bool
    log: Callable[[str], None]


def _run_and_publish(stages: Sequence[Path], run: _Run) -> RunResult:
    """Run the stages into ``run.partial`` and publish it; on any failure leave no partial folder."""
    config, date, out, partial, store_url, log = run.config, run.date, run.out, run.partial, run.store_url, run.log
    try:
        done = _run_stages(stages, run)
        evidence = _write_evidence_report(partial, done, log=log)
        _write_index(partial, config=config, date=date, stages=done, evidence=evidence)
        validate_summary(read_summary(partial))  # the published contract holds, or the run fails
        final = (out / date).resolve()
        publish(partial, final)
        _write_agent_key(config, store_url=store_url, path=out / agent_key_name(date))
    except KeyboardInterrupt:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    except StageError:
        raise
    except Exception:
        if partial.exists():  # an unexpected error: keep what ran for a post-mortem
            partial.rename(failed_dir(out, date))
        raise
    return _published(final, date=date, done=done, log=log)


def _published(final: Path, *, date: str, done: Sequence[StageResult], log: Callable[[str], None]) -> RunResult:
    """The published run, its stages' files named in the final folder; says where it is."""
    log(f"report ready: {_display(final / INDEX_FILE)}")
    evidence_files = [final / name for name in (EVIDENCE_HTML, EVIDENCE_PDF) if (final / name).is_file()]
    if evidence_files:
        log("evidence report: " + ", ".join(_display(path) for path in evidence_files))
    return RunResult(
        run_dir=final,
        run_date=date,
        stages=tuple(
            StageResult(s.name, s.status, s.seconds, final / s.notebook.name,
                        None if s.html is None else final / s.html.name, s.reason)
            for s in done
        ),
        summary_path=final / SUMMARY_FILE,
        evidence_html=final / EVIDENCE_HTML if (final / EVIDENCE_HTML).is_file() else None,
        evidence_pdf=final / EVIDENCE_PDF if (final / EVIDENCE_PDF).is_file() else None,
    )


def _start_summary(partial: Path, *, config: ReviewConfig, date: str) -> None:
    """summary.json as a run starts: what is reviewed, by whom, with which version; status running."""
    update_summary(
        partial,
        run_date=date,
        period={
            "start": config.period_start.isoformat() if config.period_start else None,
            "end": config.period_end.isoformat() if config.period_end else None,
        },
        organisation=config.organisation,
        reviewer=config.reviewer,
        csperf_version=__version__,
        config=str(config.path),
        started_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        status="running",
        stages=[],
    )


def _run_stages(stages: Sequence[Path], run: _Run) -> list[StageResult]:
    """Execute and render every stage into ``run.partial``; on a failure call :func:`_fail`."""
    config, date, out, partial, nb_dir = run.config, run.date, run.out, run.partial, run.nb_dir
    store_url, progress, log = run.store_url, run.progress, run.log
    exporter = offline_html_exporter()
    done: list[StageResult] = []
    _start_summary(partial, config=config, date=date)
    parameters = {"config_path": str(config.path), "run_dir": str(partial), "store_url": store_url, "run_date": date}
    failure = {"config": config, "date": date, "out": out, "partial": partial, "nb_dir": nb_dir}
    with tempfile.TemporaryDirectory(prefix="csperf-kernel-") as scratch:
        stderr_path = Path(scratch) / "kernel-stderr.log"
        for number, notebook in enumerate(stages, start=1):
            name = notebook.stem
            step = f"[{number}/{len(stages)}] {name}"
            log(f"{step} ...")
            executed = partial / notebook.name
            html_path = partial / f"{name}.html"
            reason = skip_reason(name, config.tables)
            if reason:
                _write_skipped_notebook(notebook, executed, reason)
                render_html(executed, html_path, title=_page_title(executed, name, config, date),
                            resources_dir=nb_dir, exporter=exporter)
                done.append(StageResult(name, "skipped", 0.0, executed, html_path, reason))
                update_summary(partial, stages=_stage_entries(done))
                log(f"{step} skipped: {reason}")
                continue
            t0 = time.perf_counter()
            try:
                papermill.execute_notebook(str(notebook), str(executed), parameters=parameters, kernel_name=KERNEL_NAME,
                                           cwd=str(nb_dir), progress_bar=progress and _is_terminal(), log_output=False,
                                           kernel_manager_class=ReviewKernelManager, config=_kernel_config(stderr_path))
            except KeyboardInterrupt:
                stderr_path.unlink(missing_ok=True)  # the killed kernel's complaints are noise
                raise
            except Exception as exc:  # the stage raised, its kernel died, a timeout...
                seconds = time.perf_counter() - t0
                _forward_kernel_stderr(stderr_path)
                if isinstance(exc, PapermillExecutionError) and exc.ename == "KeyboardInterrupt":
                    raise KeyboardInterrupt from exc
                log(f"{step} failed after {seconds:.1f} s")
                _fail(exc, **failure, done=done, name=name, seconds=seconds, executed=executed, exporter=exporter)
            seconds = time.perf_counter() - t0
            _forward_kernel_stderr(stderr_path)
            try:
                render_html(executed, html_path, title=_page_title(executed, name, config, date), resources_dir=nb_dir,
                            exporter=exporter)
            except Exception as exc:
                _fail(exc, **failure, done=done, name=name, seconds=seconds, executed=executed, exporter=None,
                      what="could not be rendered to HTML")
            done.append(StageResult(name, "ok", round(seconds, 2), executed, html_path))
            update_summary(partial, stages=_stage_entries(done))
            log(f"{step} done in {seconds:.1f} s")
    update_summary(
        partial,
        stages=_stage_entries(done),
        status="complete",
        finished_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    return done


# --------------------------------------------------------------------------------------------
# helpers


def _is_terminal() -> bool:
    """Whether stderr is a terminal (a progress bar would flood a log or a CI job's output)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _print_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run_date(value: str | dt.date | None) -> str:
    if value is None:
        return dt.date.today().isoformat()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise UsageError(f"run date '{value}' is not a date (use YYYY-MM-DD)") from None


def _kernel_config(stderr_path: Path) -> Config:
    """Traitlets config for the stage kernels: stderr capture, and CurveZMQ when available."""
    config = Config()
    config.ReviewKernelManager.stderr_path = str(stderr_path)
    if "transport_encryption" in KernelManager.class_trait_names():
        import zmq

        if zmq.has("curve"):
            config.ReviewKernelManager.transport_encryption = "auto"
    return config


def _forward_kernel_stderr(path: Path) -> None:
    """Pass the kernel's captured stderr on to ours, minus known noise; then empty the file."""
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    path.unlink()
    kept = [
        line
        for line in text.splitlines()
        if line.strip() and not any(p.search(line) for p in NOISE_PATTERNS)
    ]
    if kept:
        print("\n".join(kept), file=sys.stderr, flush=True)


#: Cells tagged so (interactive widgets) are left out of the HTML report: under papermill the
#: widgets are inert and the static charts carry the report.
INTERACTIVE_TAG = "interactive-only"


#: The alt text nbconvert gives an image that has none.
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
_HEADING_OR_IMG = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>|<img\b[^>]*>", re.I | re.S)
_ALT_ATTR = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_TAG = re.compile(r"<[^>]+>")


def describe_images(page: str, fallback: str = "") -> str:
    """Give every ``<img>`` without a real description one from the nearest heading before it.

    An image whose alt text is missing, empty or nbconvert's default ("No description has been
    provided for this image") gets ``alt="Chart: <heading>"``, numbered when a section holds
    several ("Chart 2 of 3: <heading>"); before any heading ``fallback`` (the page title) is
    used. Other alt texts are left alone.

    Parameters
    ----------
    page : str
        An HTML page as nbconvert writes it.
    fallback : str
        The description used when no heading precedes an image.

    Returns
    -------
    str
        The page with the descriptions filled in.
    """
    tokens = list(_HEADING_OR_IMG.finditer(page))
    section = -1
    sections: list[str] = []
    undescribed: list[tuple[re.Match[str], int]] = []
    for match in tokens:
        if match.group(1):
            text = html.unescape(_TAG.sub("", match.group(2))).replace("\u00b6", "")
            sections.append(" ".join(text.split()))
            section = len(sections) - 1
            continue
        alt = _ALT_ATTR.search(match.group(0))
        value = None if alt is None else html.unescape(alt.group(1) or alt.group(2) or "")
        if value is None or not value.strip() or value.strip() == NBCONVERT_DEFAULT_ALT:
            undescribed.append((match, section))
    if not undescribed:
        return page
    per_section: dict[int, int] = {}
    for _, index in undescribed:
        per_section[index] = per_section.get(index, 0) + 1
    seen: dict[int, int] = {}
    pieces: list[str] = []
    last = 0
    for match, index in undescribed:
        seen[index] = seen.get(index, 0) + 1
        topic = (sections[index] if index >= 0 else "") or " ".join(fallback.split())
        label = (
            "Chart" if per_section[index] == 1 else f"Chart {seen[index]} of {per_section[index]}"
        )
        description = f"{label}: {topic}" if topic else label
        tag = match.group(0)
        alt_attr = f' alt="{html.escape(description, quote=True)}"'
        alt = _ALT_ATTR.search(tag)
        if alt is not None:
            tag = tag[: alt.start()] + alt_attr + tag[alt.end() :]
        else:
            tag = re.sub(r"^<img\b", "<img" + alt_attr, tag, count=1, flags=re.I)
        pieces.append(page[last : match.start()])
        pieces.append(tag)
        last = match.end()
    pieces.append(page[last:])
    return "".join(pieces)


class OfflineHTMLExporter(HTMLExporter):
    """nbconvert's HTML exporter plus :func:`describe_images` on every page it writes."""

    def from_notebook_node(self, nb, resources=None, **kw):  # noqa: D102 (nbconvert's API)
        body, resources = super().from_notebook_node(nb, resources, **kw)
        title = ((resources or {}).get("metadata") or {}).get("name") or ""
        return describe_images(body, fallback=str(title).split(" · ")[0]), resources


def offline_html_exporter() -> HTMLExporter:
    """An HTML exporter hiding code and prompts whose pages load nothing from the network;
    cells tagged ``interactive-only`` are removed and images without alt text are described by
    their section heading (:func:`describe_images`)."""
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {INTERACTIVE_TAG}
    return OfflineHTMLExporter(
        config=config,
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({OFFLINE_TEMPLATE_NAME: OFFLINE_TEMPLATE})],
        template_file=OFFLINE_TEMPLATE_NAME,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def _one_line(text: str) -> str:
    return " ".join(ANSI_ESCAPE.sub("", str(text)).split())


def _display(path: Path) -> str:
    """``path`` relative to the current folder when it lies below it, else absolute."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def _fail(
    exc: Exception,
    *,
    config: ReviewConfig,
    date: str,
    out: Path,
    partial: Path,
    done: Sequence[StageResult],
    name: str,
    seconds: float,
    executed: Path,
    exporter: HTMLExporter | None,
    nb_dir: Path,
    what: str = "failed",
) -> None:
    """Keep the partial run as ``<date>.failed-HHMMSS`` and raise the stage's StageError."""
    failed = failed_dir(out, date)
    if isinstance(exc, PapermillExecutionError):
        reason = f"{exc.ename}: {_one_line(exc.evalue)}" if exc.evalue else exc.ename
    else:
        detail = _one_line(str(exc))
        reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    html_path = partial / f"{name}.html"
    if exporter is not None and executed.is_file():
        try:
            render_html(
                executed,
                html_path,
                title=_page_title(executed, name, config, date),
                resources_dir=nb_dir,
                exporter=exporter,
            )
        except Exception:  # the failing notebook itself is what matters
            pass
    see = failed / executed.name if executed.is_file() else failed
    message = f"stage {name} {what}: {reason} (see {_display(see)})"
    failed_stage = StageResult(
        name,
        "failed",
        round(seconds, 2),
        executed,
        html_path if html_path.is_file() else None,
    )
    stages = [*done, failed_stage]
    try:
        update_summary(
            partial,
            stages=_stage_entries(stages),
            status="failed",
            error=message,
            finished_at=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        )
        _write_index(partial, config=config, date=date, stages=stages, error=message)
    finally:
        partial.rename(failed)
    raise StageError(message) from exc


def _stage_entries(stages: Sequence[StageResult]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "status": s.status,
            "seconds": s.seconds,
            "notebook": s.notebook.name,
            "html": None if s.html is None else s.html.name,
            **({"reason": s.reason} if s.reason else {}),
        }
        for s in stages
    ]


def _write_skipped_notebook(notebook: Path, executed: Path, reason: str) -> None:
    """The published record of a skipped stage: its title and introduction, then why it did not run."""
    source = nbformat.read(notebook, as_version=4)
    intro = next((c for c in source.cells if c.cell_type == "markdown"), None)
    cells = [nbformat.v4.new_markdown_cell(intro.source)] if intro is not None else []
    cells.append(nbformat.v4.new_markdown_cell(f"**Not run for this review.** {reason}"))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    nbformat.write(nb, executed)


def _stage_heading(notebook: Path) -> str | None:
    """The first Markdown heading of a notebook (its human title), if any."""
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # a title is optional
        return None
    for cell in nb.cells:
        if cell.cell_type != "markdown" or PAPERMILL_ERROR_TAG in cell.metadata.get("tags", []):
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip() or None
    return None


def _page_title(executed: Path, name: str, config: ReviewConfig, date: str) -> str:
    heading = _stage_heading(executed) or name
    return f"{heading} · {config.organisation} · {date}"


def _write_evidence_report(
    folder: Path, stages: Sequence[StageResult], *, log: Callable[[str], None]
) -> dict[str, Any] | None:
    """Copy the evidence-report stage's page to ``evidence_report.html`` and print it to PDF.

    Returns the ``evidence_report`` entry recorded in the summary (None when the run has no
    evidence-report stage). A missing Chromium or a failed print costs only the PDF: one line is
    logged and the entry says why.
    """
    stage = next(
        (
            s
            for s in stages
            if EVIDENCE_STAGE.match(s.name) and s.html is not None and s.html.is_file()
        ),
        None,
    )
    if stage is None:
        return None
    page = stage.html.read_text(encoding="utf-8")
    if PRINT_CSS_MARKER not in page:  # page numbers and print layout even if the stage forgot
        style = f'<style type="text/css">{PRINT_CSS}</style>\n'
        head_end = page.lower().find("</head>")
        page = page[:head_end] + style + page[head_end:] if head_end >= 0 else style + page
    html_path = folder / EVIDENCE_HTML
    html_path.write_text(page, encoding="utf-8")
    entry: dict[str, Any] = {"stage": stage.name, "html": EVIDENCE_HTML, "pdf": None}
    try:
        html_to_pdf(html_path, folder / EVIDENCE_PDF)
    except PdfError as exc:
        entry["pdf_error"] = str(exc)
        log(f"{EVIDENCE_PDF} not written: {exc}")
    else:
        entry["pdf"] = EVIDENCE_PDF
    update_summary(folder, evidence_report=entry)
    return entry


#: How a stage's status reads on the cover page.
STATUS_TEXT = {"ok": "completed", "failed": "failed", "skipped": "skipped"}

INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.1rem; }
h3 + .note { margin-top: 0; }
.meta { color: #57606a; margin-top: 0; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: 0.45rem 0.6rem; border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; font-weight: 600; }
.failed { color: #cf222e; font-weight: 600; }
.skipped { color: #57606a; font-weight: 600; }
.error { border: 1px solid #cf222e; background: #ffebe9; padding: 0.6rem 0.8rem; border-radius: 4px; }
.evidence { border: 1px solid #d0d7de; background: #f6f8fa; padding: 0.6rem 0.8rem; border-radius: 4px; }
.evidence a { font-weight: 600; }
.note { color: #57606a; }
a { color: #0969da; }
footer { color: #57606a; font-size: 0.85rem; margin-top: 2rem; }
@media print { a { color: inherit; text-decoration: none; } }
"""


def agent_key_name(date: str) -> str:
    """The restricted file beside a dated report folder that maps pseudonyms back to agents."""
    return f"{date}.agent-key.csv"


def _write_agent_key(config: ReviewConfig, *, store_url: str | None, path: Path) -> Path | None:
    """Write ``path``: every agent of the review beside its pseudonym, readable by its owner only
    (0600), outside the shareable report folder; removed when the review names no agents."""
    url = store_url or config.store_url or default_store_url(config.path)
    ids = []
    with Store(url, password_env=config.store_password_env) as store:
        for table in ("contacts", "qa_evaluations"):
            if store.has(table) and "agent_id" in store.table(table).columns:
                ids.append(store.table(table).select("agent_id").distinct().to_pandas()["agent_id"])
    table = pseudonym_key_table(pd.concat(ids) if ids else pd.Series(dtype="string"), key=privacy_settings(config)[0])
    if table.empty:
        path.unlink(missing_ok=True)
        return None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    os.chmod(tmp, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        table.rename(columns={"agent_id": "agent", "pseudonym": "shown in the report as"}).to_csv(handle, index=False)
    os.replace(tmp, path)
    return path


def _write_index(
    folder: Path,
    *,
    config: ReviewConfig,
    date: str,
    stages: Sequence[StageResult],
    error: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> Path:
    """Write ``folder/index.html``: the review's cover page linking the evidence report (when
    there is one) first, then the files a reviewer acts on, every stage report and the records
    (:func:`csperf_lib.report.index_page.render_index`)."""
    rows, linked = [], {SUMMARY_FILE, INDEX_FILE}
    for stage in stages:
        heading = _stage_heading(stage.notebook) if stage.notebook.is_file() else None
        has_notebook = stage.notebook.is_file()
        rows.append({
            "name": stage.name, "heading": heading or stage.name, "status": stage.status,
            "status_text": STATUS_TEXT.get(stage.status, stage.status), "reason": stage.reason,
            "seconds": stage.seconds, "html": stage.html.name if stage.html is not None else None,
            "notebook": stage.notebook.name if has_notebook else None,
        })
        linked.add(stage.notebook.name)
        if stage.html is not None:
            linked.add(stage.html.name)
    if evidence:
        linked.update(name for name in (evidence.get("html"), evidence.get("pdf")) if name)
    page = render_index(
        folder, title=f"Customer service performance review: {config.organisation}", date=date,
        organisation=config.organisation, reviewer=config.reviewer, period=config.period_label,
        config_name=config.path.name, stages=rows, summary_file=SUMMARY_FILE, css=INDEX_CSS,
        evidence=evidence, evidence_pdf_name=EVIDENCE_PDF, error=error, linked=linked,
    )
    path = folder / INDEX_FILE
    path.write_text(page, encoding="utf-8")
    return path
