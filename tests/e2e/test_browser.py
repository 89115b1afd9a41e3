"""A real browser against the real demo stack.

The fixture starts the same stack as ``script/demo`` (``demo.stack.DemoStack``):
the simulator and a real Home Assistant as child processes, on free loopback
ports, in a temporary config directory. Debian's Chromium, driven by
Playwright, logs in, reads the dashboard and changes the presence through the
dashboard's own controls; the simulator must then have received the matching
op 3. All waiting is Playwright's own (auto-waiting locators, ``expect``,
``wait_for_function``), bounded by timeouts: no sleeps.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is installed from requirements_demo.txt (.venv)"
)
pytest.importorskip(
    "hass_frontend", reason="the demo needs home-assistant-frontend (requirements_demo.txt)"
)

from demo.stack import HA_PASSWORD, HA_USERNAME, DemoStack, StackOptions  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

async_playwright = playwright_api.async_playwright
expect = playwright_api.expect
expect.set_options(timeout=30_000)  # the first load of the frontend is a few MB of JavaScript

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
ACTIVITY = "Movie night"

# Runs in the simulator's own origin: polls /_sim/records in the page until an
# op 3 with the wanted status and activity is recorded, then sets a flag that
# Playwright's wait_for_function waits for.
WATCH_RECORDS_JS = """
([status, name, type]) => {
  window.presenceSeen = false;
  const matches = d => d.status === status
    && (d.activities || []).some(a => a.name === name && a.type === type);
  const poll = async () => {
    const records = await (await fetch('/_sim/records')).json();
    if (records.presences.some(matches)) { window.presenceSeen = true; return; }
    setTimeout(poll, 200);
  };
  poll();
}
"""


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncGenerator[DemoStack]:
    """The demo stack on free ports in a temporary directory."""
    if not HAVE_CHROMIUM:
        pytest.fail(f"{CHROMIUM} is missing: run script/setup-browser")
    log: list[str] = []
    options = StackOptions(root=tmp_path / "demo", ha_port=0, sim_port=0, say=log.append)
    async with DemoStack(options) as running:
        yield running
    # Keep the logs of a run for inspection next to the screenshots.
    RESULTS.mkdir(exist_ok=True)
    for source, name in (
        (options.config_dir / "home-assistant.log", "e2e-home-assistant.log"),
        (options.root / "simulator.log", "e2e-simulator.log"),
    ):
        if source.exists():
            shutil.copyfile(source, RESULTS / name)


def _presences(records: dict[str, Any]) -> list[dict[str, Any]]:
    presences: list[dict[str, Any]] = records["presences"]
    return presences


async def test_dashboard_controls_reach_discord(stack: DemoStack) -> None:
    RESULTS.mkdir(exist_ok=True)
    before = len(_presences(await stack.records()))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1000, "height": 640})
        context.set_default_timeout(30_000)
        page = await context.new_page()
        try:
            # 1. Log in (the dashboard URL redirects to the login page).
            await page.goto(stack.dashboard_url)
            await page.locator("input[name=username]").fill(HA_USERNAME)
            await page.locator("input[name=password]").fill(HA_PASSWORD)
            await page.get_by_role("button", name="Log in").click()
            await page.wait_for_url(f"{stack.dashboard_url}*")

            # 2. The dashboard shows the connection as "Connected".
            card = page.locator("hui-entities-card")
            connection = card.locator("hui-sensor-entity-row").filter(has_text="Connection")
            await expect(connection).to_contain_text("Connected")
            latency = card.locator("hui-sensor-entity-row").filter(has_text="Latency")
            await expect(latency).to_contain_text("ms")
            await page.screenshot(path=RESULTS / "e2e-dashboard.png")

            # 3. Do Not Disturb, "Watching", "Movie night" through the card's controls.
            status = card.locator('ha-picker-field[aria-label="Status"]')
            await status.click()
            await card.get_by_role("menuitem", name="Do not disturb").click()
            await expect(status).to_contain_text("Do not disturb")

            activity_type = card.locator('ha-picker-field[aria-label="Activity type"]')
            await activity_type.click()
            await card.get_by_role("menuitem", name="Watching").click()
            await expect(activity_type).to_contain_text("Watching")

            text = card.locator("hui-text-entity-row input")
            await text.fill(ACTIVITY)
            await text.press("Enter")
            await expect(text).to_have_value(ACTIVITY)

            # 4. The simulator received the matching op 3 (waited for in its origin).
            sim_page = await context.new_page()
            await sim_page.goto(f"{stack.sim_url}/_sim/records")
            await sim_page.evaluate(WATCH_RECORDS_JS, ["dnd", ACTIVITY, 3])
            await sim_page.wait_for_function("() => window.presenceSeen === true", timeout=20_000)
            await page.bring_to_front()
            await page.screenshot(path=RESULTS / "e2e-after.png")
            await card.screenshot(path=RESULTS / "e2e-card.png")
        except BaseException:
            await page.screenshot(path=RESULTS / "e2e-failure.png")
            raise
        finally:
            await browser.close()

    new = _presences(await stack.records())[before:]
    final = new[-1]
    assert final["status"] == "dnd"
    assert final["activities"] == [{"name": ACTIVITY, "type": 3}]
    assert final["afk"] is False
    # Every frame the UI caused is a well-formed op 3 payload, latest wins.
    for d in new:
        assert set(d) >= {"status", "activities", "afk", "since"}
    states = {
        key: (await stack.api.state(entity_id) or {}).get("state")
        for key, entity_id in stack.entities.items()
    }
    assert states["status"] == "dnd"
    assert states["activity_type"] == "watching"
    assert states["activity"] == ACTIVITY
    assert states["connection"] == "connected"
