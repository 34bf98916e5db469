"""The dashboard in headless Chromium against the scanned corpus: every page loads, the orphan filter and
a click through to a repo page work, "recover all" runs with the token; hostile names fire no script.

Screenshots and a transcript of what the browser did go to tests/web/screenshots/ (not committed).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect, sync_playwright

from distscout.captures import utc_now
from distscout.integrity.repair import publish
from tests.emulator.fixtures import EmulatorFactory
from tests.store.helpers import Clock, scan_due, tracked
from tests.web.browser import CHROMIUM_ARGS, chromium_path, served
from tests.web.conftest import TOKEN, ServiceFactory
from tests.web.hostile import WORLD

SCREENSHOTS = Path(__file__).parent / "screenshots"
PAGES = ["/", "/orphans", "/unclaimed", "/repos", "/packages?package=pypi/requests", "/integrity", "/workers"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda message: _console(problems, message))
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield opened
    context.close()
    assert problems == [], problems  # no script error, no CSP violation


def _console(problems: list[str], message: ConsoleMessage) -> None:
    refused = "status of 401" in message.text  # the browser's own note on the refused call the test makes
    if message.type == "error" and not refused:
        problems.append(message.text)


class Transcript:
    def __init__(self, name: str) -> None:
        self.lines: list[str] = []
        self.path = SCREENSHOTS / f"{name}.txt"
        SCREENSHOTS.mkdir(exist_ok=True)

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self.path.write_text("\n".join(self.lines) + "\n")
        print(line)  # shown with -s or -rP

    def shot(self, page: Page, name: str) -> None:
        target = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        self(f"  screenshot {target.relative_to(SCREENSHOTS.parent.parent.parent)}")


def test_dashboard_click_through_and_recover_all(page: Page, make_service: ServiceFactory) -> None:
    service = make_service(api_token=TOKEN)
    publish(service.engine, service.settings.output_dir, utc_now())
    (service.settings.output_dir / "stats.json").unlink()  # damage: a finding to recover from
    say = Transcript("transcript")
    with served(service) as base:
        for path in PAGES:
            answer = page.goto(base + path)
            assert answer is not None and answer.status == 200, path
            say(f"GET {path} -> {answer.status} '{page.title()}'")
        _overview(page, base, say)
        _orphans_to_repo(page, base, say)
        _repos_paged(page, base, say)
        _workers(page, base, say)
        _recover_all(page, base, say)
    assert (service.settings.output_dir / "stats.json").is_file()


def _overview(page: Page, base: str, say: Transcript) -> None:
    page.goto(base + "/")
    expect(page.locator('[data-stat="total"] .value')).to_have_text("40")
    expect(page.locator("svg.chart rect.published").first).to_be_visible()
    for series in ("published", "orphans", "unclaimed"):  # a flat line at 0 has no height: not "visible"
        expect(page.locator(f"svg.trends polyline.{series}")).to_have_attribute(
            "points", re.compile(r"\d,\d")
        )
    expect(page.locator(".legend .orphans")).to_have_text("with an orphan manifest: 3")
    say("overview: 40 tracked repositories, coverage chart and the three trend lines drawn")
    say.shot(page, "overview")
    shutil.copy(SCREENSHOTS / "overview.png", SCREENSHOTS / "dashboard.png")


def _orphans_to_repo(page: Page, base: str, say: Transcript) -> None:
    page.goto(base + "/orphans")
    expect(page.locator("#orphans tbody tr[data-type]")).to_have_count(3)
    page.fill("#orphan-filter", "legacy")
    page.press("#orphan-filter", "Enter")  # the filters run on the server: a GET form
    expect(page.locator("#orphans tbody tr[data-type]")).to_have_count(1)
    expect(page.locator(".pager .range").first).to_have_text("showing 1 of 1 manifests")
    say("orphans: searched 'legacy' -> 1 of 3 rows, filtered on the server")
    page.select_option("select[name=ecosystem]", "conda")
    page.click("form.filters button")
    expect(page.locator("#orphans tbody")).to_contain_text("No orphan matches these filters.")
    page.fill("#orphan-filter", "")
    page.click("form.filters button")
    expect(page.locator("#orphans tbody tr[data-type]")).to_have_count(2)
    say("orphans: type 'conda' with 'legacy' -> none; 'conda' alone -> 2 rows")
    page.goto(base + "/orphans")
    say.shot(page, "orphans")
    page.click("text=synthetic/legacy-setup")
    expect(page.locator("h1")).to_have_text("synthetic/legacy-setup")
    expect(page.locator("table.manifests")).to_contain_text("setup.py")
    expect(page.locator("table.manifests .unpaired.orphan")).to_have_text("orphan")
    say(f"clicked synthetic/legacy-setup -> {page.url.removeprefix(base)}: manifests, history timeline")
    say.shot(page, "repo")
    page.goto(base + "/repos/pallets/flask")
    root = page.locator('table.manifests tr:has(td.path:text-is("pyproject.toml"))')
    expect(root.locator("td.paired a")).to_have_text("pypi/flask")
    expect(page.locator("table.registry .unpaired").first).to_have_text("no manifest")
    root.locator("td.paired a").click()
    expect(page).to_have_url(re.compile(r"/packages\?package=pypi%2F[Ff]lask$"))
    expect(page.locator("main")).to_contain_text("pallets/flask")
    say("pallets/flask: pyproject.toml published as pypi/flask (a link to its package); conda: no manifest")


def _repos_paged(page: Page, base: str, say: Transcript) -> None:
    page.goto(base + "/repos?limit=10")
    rows = page.locator("#repos tbody tr")
    expect(rows).to_have_count(10)
    first = rows.first.inner_text()
    page.locator('.pager a[rel="next"]').first.click()
    expect(page.locator(".pager .range").first).to_have_text("showing 10 of 40 repositories")
    assert rows.first.inner_text() != first
    say("repositories: 10 of 40 a page; next -> the following 10")
    page.click('th a[data-sort="orphans"]')
    expect(page.locator('th[aria-sort="ascending"] a[data-sort="orphans"]')).to_be_visible()
    page.click('th a[data-sort="orphans"]')
    expect(page.locator('th[aria-sort="descending"] a[data-sort="orphans"]')).to_be_visible()
    expect(rows.first.locator("td").last).to_have_text("1")
    say("repositories: sorted by orphans, twice -> descending, an orphaned repo first")
    page.select_option("select[name=has_orphan]", "true")
    page.click("form.filters button")
    expect(rows).to_have_count(3)
    expect(page.locator('th[aria-sort="descending"] a[data-sort="orphans"]')).to_be_visible()  # kept
    say("repositories: has an orphan -> 3 rows, the sort kept")
    say.shot(page, "repos")


def _workers(page: Page, base: str, say: Transcript) -> None:
    page.goto(base + "/workers")
    expect(page.locator("#no-workers")).to_be_visible()
    expect(page.locator("#scans tbody tr")).to_have_count(20)
    say("workers: queue depth, 'no workers in this process', 20 latest scans")
    say.shot(page, "workers")


def _recover_all(page: Page, base: str, say: Transcript) -> None:
    page.goto(base + "/integrity")
    expect(page.locator("#findings")).to_contain_text("report:stats")
    expect(page.locator("#findings")).to_contain_text("reprocess")
    say("integrity: finding missing_secondary report:stats -> reprocess report:stats")
    say.shot(page, "integrity-findings")
    page.click("#recover-all")
    expect(page.locator("#recover-message")).to_contain_text("refused (401)")
    say(f"clicked 'recover all' without a token -> {page.inner_text('#recover-message')}")
    page.fill("#api-token", TOKEN)
    page.click("#recover-all")
    expect(page.locator("#recover-message")).to_contain_text("done:", timeout=30_000)
    say(f"typed the token, clicked 'recover all' -> {page.inner_text('#recover-message')}")
    expect(page.locator("#check-status")).to_have_text("clean", timeout=30_000)  # after the reload
    expect(page.locator("#run-status")).to_contain_text("done")
    check, run = page.inner_text("#check-status"), page.inner_text("#run-status")
    say(f"page reloaded: check {check}, repair {run}")
    say.shot(page, "integrity-recovered")


def test_hostile_names_fire_no_script(
    browser: Browser, emulator_factory: EmulatorFactory, make_service: ServiceFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    engine = tracked(url, ["evil/xss"], Clock.real())
    server = emulator_factory(WORLD)
    # Playwright's sync API holds this thread's event loop: the scan runs its own loop in another thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scan_due(engine, server, Clock.real())).result(timeout=120)
    engine.dispose()
    _visit_hostile(browser, make_service(url, api_token=TOKEN))


def _visit_hostile(browser: Browser, service: object) -> None:
    dialogs: list[str] = []
    context = browser.new_context()
    page = context.new_page()

    def seen(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    say = Transcript("transcript-xss")
    with served(service) as base:  # type: ignore[arg-type]
        for path in [*PAGES, "/repos/evil/xss", "/packages?package=npm/<script>alert(1)</script>"]:
            page.goto(base + path)
            page.wait_for_load_state("load")
            say(f"hostile world: GET {path} -> no dialog so far: {not dialogs}")
        expect(page.locator("body")).to_contain_text("alert(1)")  # shown as text, never run
        say.shot(page, "xss")
    context.close()
    assert dialogs == []
