"""Shared fixtures: a real headless browser for the pages the project writes (also driven by
`benchmarks/bench_gantt.py`), and a throw-away PostgreSQL server."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import scheduler.pg
from scheduler.pg import ThrowawayCluster, find_server_binaries

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
"""Debian's package first (`.ci/run` installs it); $CHROMIUM overrides."""

BROWSER_TIMEOUT = 120.0
"""Seconds one headless run may take before the test fails instead of hanging (a 2,000-bar
page renders in about two on a quiet machine)."""

ERROR_PROBE = (
    "<script>window.addEventListener('error', function (e) {"
    "document.documentElement.setAttribute('data-script-errors',"
    " (document.documentElement.getAttribute('data-script-errors') || '') + e.message + ';');"
    "});</script>"
)
"""Put first in <head>: every uncaught script error of the page lands in an attribute that
`--dump-dom` shows."""


@dataclass(frozen=True)
class Rendered:
    dom: str
    screenshot: Path
    log: str

    @property
    def script_errors(self) -> list[str]:
        """The uncaught errors the probe recorded on the <html> element."""
        found = re.search(r'<html[^>]*\sdata-script-errors="([^"]*)"', self.dom)
        return [] if found is None else [e for e in html.unescape(found.group(1)).split(";") if e]

    @property
    def console_errors(self) -> list[str]:
        """Uncaught errors Chromium logged from the page's console (`--enable-logging`)."""
        return [line for line in self.log.splitlines() if "CONSOLE" in line and "Uncaught" in line]


class Browser:
    """Headless Chromium driven from the command line: the DOM after the page's scripts ran, a
    screenshot, and the console log."""

    def __init__(self, executable: str, workdir: Path):
        self.executable = executable
        self.workdir = workdir

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        profile = self.workdir / "profile"
        command = [
            self.executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False
        )

    def render(self, page: Path, width: int = 1400, height: int = 900) -> Rendered:
        """Open a copy of `page` with the error probe in its head."""
        probed = self.workdir / f"probed-{page.name}"
        probed.write_text(
            page.read_text(encoding="utf-8").replace("<head>", "<head>" + ERROR_PROBE, 1),
            encoding="utf-8",
        )
        url = probed.resolve().as_uri()
        dumped = self.run("--dump-dom", url)
        shot = self.workdir / f"{page.stem}.png"
        taken = self.run(f"--screenshot={shot}", f"--window-size={width},{height}", url)
        assert shot.exists(), f"no screenshot: {taken.stderr[-2000:]}"
        return Rendered(dumped.stdout, shot, dumped.stderr + taken.stderr)

    @staticmethod
    def ink_share(screenshot: Path) -> float:
        """The share of a screenshot's pixels that are not (nearly) white: 0 for a blank page."""
        from PIL import Image

        with Image.open(screenshot) as image:
            grey = image.convert("L")
            histogram = grey.histogram()
        return sum(histogram[:240]) / (grey.width * grey.height)


def _find_chromium() -> str | None:
    wanted = os.environ.get("CHROMIUM")
    for candidate in (wanted, *CHROMIUM_CANDIDATES) if wanted else CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(autouse=True, scope="session")
def compiled_searches() -> None:
    """Both tabu searches compiled (or loaded from numba's disk cache) before the first test: on a
    fresh clone the compilation takes seconds of CPU, which would otherwise run in a background
    thread beside whichever tests come first (solves meanwhile keep their dispatching schedule)."""
    from scheduler.heuristics import fjsp_tabu, tabu

    assert tabu.compile_kernels() and fjsp_tabu.compile_kernels()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """Headless Chromium; the test is skipped (saying why) when no Chromium is installed."""
    executable = _find_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium found (tried $CHROMIUM, " + ", ".join(CHROMIUM_CANDIDATES) + "): "
            "install Debian's chromium package (.ci/run does) to run the browser tests"
        )
    yield Browser(executable, tmp_path)


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayCluster]:
    """A throw-away PostgreSQL server for the session; skipped (saying why) without its binaries."""
    binaries = find_server_binaries()
    if binaries is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl) found: install Debian's postgresql "
            "package (.ci/run does) to run the PostgreSQL store tests"
        )
    pytest.importorskip("psycopg", reason="the 'postgresql' extra is not installed")
    cluster = ThrowawayCluster(binaries).start()
    # Each PostgreSQL store closed waited up to half a second for its listener (about 25 s of the
    # suite); notices still arrive at once, the poll only bounds how soon a close is seen.
    listen_poll, scheduler.pg.LISTEN_POLL = scheduler.pg.LISTEN_POLL, 0.05
    try:
        cluster.wait_ready()
        yield cluster
    finally:
        scheduler.pg.LISTEN_POLL = listen_poll
        cluster.stop()


@pytest.fixture
def postgres_url(postgres: ThrowawayCluster, request: pytest.FixtureRequest) -> str:
    """The URL of an empty schema of its own in the session's PostgreSQL server."""
    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:50]
    return postgres.create_schema(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where the stores of a test live, once per backend: a SQLite file, or the URL of an empty
    PostgreSQL schema (the same suite runs on both)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return tmp_path / "store.sqlite3"
