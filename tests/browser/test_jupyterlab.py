"""A real browser: JupyterLab on loopback, headless Chromium runs Lab 00 through the UI."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from helpers.config import repo_root
from helpers.grading import format as authoring

ROOT = repo_root()
LAB = "00_setup.ipynb"
CHROMIUM = next(filter(None, (os.environ.get("COURSE_CHROMIUM"), shutil.which("chromium"),
                              shutil.which("chromium-browser"))), None)
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium: apt-get install chromium (.ci/run does it as root)")
FINISHED = re.compile(r"^\[\d+\]:$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def solved_copy(folder):
    """The student's lab as it looks once both exercises are done: the lab file, the solution's answers."""
    lab = nbformat.read(ROOT / "labs" / LAB, as_version=4)
    answers = {authoring.tags_value(c, "exercise"): c.source
               for c in nbformat.read(ROOT / "solutions" / LAB, as_version=4).cells if authoring.tags_value(c, "exercise")}
    for cell in lab.cells:
        exercise = authoring.tags_value(cell, "exercise")
        if exercise:
            cell.source = answers[exercise]  # the marker comments stay: harmless
    nbformat.write(lab, folder / LAB)


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on a free loopback port, serving a temporary copy of Lab 00."""
    solved_copy(tmp_path)
    port, token = free_port(), "course-browser-test"
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--allow-root"]
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"JupyterLab did not start: {(tmp_path / 'jupyterlab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    yield f"{url}/lab/tree/{LAB}?token={token}"
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def test_lab00_runs_through_the_jupyterlab_ui(jupyterlab, tmp_path):
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(jupyterlab)
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
        choose = page.locator(".jp-Dialog button:has-text('Select')")
        try:  # a fresh server asks which kernel to start, as it asks a student
            choose.click(timeout=10_000)
        except playwright.TimeoutError:
            pass
        page.wait_for_selector(".jp-StatusBar-TextItem:has-text('Idle')", timeout=60_000)
        page.click("#jp-MainMenu >> text=Run")
        page.click("li[data-command='runmenu:run-all']")
        prompts, quiet, deadline = [], 0, time.monotonic() + 180
        while time.monotonic() < deadline and quiet < 3:  # done: idle, nothing queued, three polls running
            time.sleep(1)
            prompts = page.eval_on_selector_all(".jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent.trim())")
            idle = page.locator(".jp-StatusBar-TextItem:has-text('Idle')").count() > 0
            started = any(FINISHED.match(p) for p in prompts)
            quiet = quiet + 1 if idle and started and not any("*" in p for p in prompts) else 0
        page.locator(".jp-CodeCell").last.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "lab00.png"))  # the last cell and its output
        outputs = page.eval_on_selector_all(".jp-CodeCell", "els => els.map(e => (e.querySelector('.jp-OutputArea') || {}).innerText || '')")
        browser.close()
    failed = [i for i, text in enumerate(outputs) if "Traceback" in text]
    assert not failed, f"code cells {failed} show an error: {[outputs[i][-300:] for i in failed]}"
    assert prompts and all(FINISHED.match(p) for p in prompts), f"not every cell ran: {prompts}"
    assert "[CLS]" in outputs[-1] and "[SEP]" in outputs[-1] and "fine" in outputs[-1], outputs[-1]
