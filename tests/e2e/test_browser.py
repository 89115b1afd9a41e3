"""A real browser against the real demo stack.

The fixture starts the same stack as ``script/demo`` (``demo.stack.DemoStack``):
the simulator and a real Home Assistant as child processes, on free loopback
ports, in a temporary config directory. Debian's Chromium, driven by
Playwright, logs in, reads the dashboard and changes the presence through the
integration's own card (``custom:discord-presence-card``, which Home Assistant
loads without a resource); the simulator must then have received the matching
op 3. All waiting is Playwright's own (auto-waiting locators, ``expect``,
``wait_for_function``), bounded by timeouts: no sleeps.

``UPDATE_SCREENSHOTS=1`` also writes the README's card screenshots to docs/images/.
"""

from __future__ import annotations

import os
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

from demo.settings import BOT_USERNAME  # noqa: E402
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
REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "test-results"
IMAGES = REPO / "docs" / "images"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
ACTIVITY = "Movie night"
STREAM_URL = "https://www.twitch.tv/movienight"
CARD_TYPE = "custom:discord-presence-card"

# The card's visual editor as the dashboard editor uses it: created by the card
# class (a second module, imported on demand), given hass and the stub config;
# a changed name comes back as a config-changed event.
EDITOR_JS = """
async (type) => {
  const hass = document.querySelector("home-assistant").hass;
  const Card = customElements.get("discord-presence-card");
  const editor = await Card.getConfigElement();
  const stub = Card.getStubConfig(hass);
  document.body.append(editor);
  editor.setConfig({ type, ...stub });
  editor.hass = hass;
  const root = editor.shadowRoot;
  const bots = [...root.querySelectorAll("select.bot option")].map(o => [o.value, o.textContent]);
  const changed = new Promise(resolve => editor.addEventListener(
    "config-changed", ev => resolve(ev.detail.config), { once: true }));
  const name = root.querySelector("input.name");
  name.value = "Movie Night";
  name.dispatchEvent(new Event("change"));
  const config = await changed;
  editor.remove();
  const picker = (window.customCards || []).filter(c => c.type === "discord-presence-card");
  return { stub, bots, config, inPicker: picker.length };
}
"""
# The default dark theme's card background (--ha-card-background).
DARK_CARD_BACKGROUND = "rgb(28, 28, 28)"

# Runs in the simulator's own origin: polls /_sim/records in the page until an
# op 3 with the wanted status and activity is recorded, then sets a flag that
# Playwright's wait_for_function waits for.
WATCH_RECORDS_JS = """
([status, name, type, url]) => {
  window.presenceSeen = false;
  const matches = d => d.status === status
    && (d.activities || []).some(
      a => a.name === name && a.type === type && (url === undefined || a.url === url));
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


async def _log_in(page: Any, stack: DemoStack) -> None:
    """The dashboard URL redirects to the login page; log in and come back."""
    await page.goto(stack.dashboard_url)
    await page.locator("input[name=username]").fill(HA_USERNAME)
    await page.locator("input[name=password]").fill(HA_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{stack.dashboard_url}*")


async def _card_or_one_reload(page: Any, card: Any, console: list[str]) -> None:
    """Wait for the card; reload once if Home Assistant drew a card error instead.

    About one cold page load in seven, Home Assistant's frontend draws
    "Configuration error" for a custom card whose module did load and define
    the element (the page then logs an uncaught non-Error object); a reload
    shows the card. Other custom cards see the same upstream race
    (benct/lovelace-multiple-entity-row#389). One reload is allowed, and
    noted in e2e-console.log; a card that fails twice fails the test.
    """
    error = page.locator("hui-error-card")
    await expect(card.locator(".name").or_(error)).to_be_visible()
    if await error.count():
        console.append("note: Home Assistant drew a card error on the first load; reloading once")
        await page.reload()


async def _card_screenshot(card: Any, name: str) -> None:
    await card.screenshot(path=RESULTS / name)
    if UPDATE_SCREENSHOTS:
        shutil.copyfile(RESULTS / name, IMAGES / name)


async def test_presence_card_reaches_discord(stack: DemoStack) -> None:
    RESULTS.mkdir(exist_ok=True)
    before = len(_presences(await stack.records()))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(
            viewport={"width": 1000, "height": 640}, color_scheme="light"
        )
        context.set_default_timeout(30_000)
        page = await context.new_page()
        console: list[str] = []
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc.name}: {exc.message}"))
        page.on("requestfailed", lambda req: console.append(f"requestfailed: {req.url}"))
        try:
            await _log_in(page, stack)

            # 1. The card was loaded without a resource and shows the bot online, connected.
            card = page.locator("discord-presence-card")
            await _card_or_one_reload(page, card, console)
            await expect(card.locator(".name")).to_have_text(BOT_USERNAME)
            await expect(card.locator(".dot")).to_have_attribute("data-status", "online")
            await expect(card.locator(".connection")).to_be_hidden()
            # No avatar is known to the card in the demo: initials stand in.
            await expect(card.locator(".initials")).to_have_text("PB")
            diagnostics = page.locator("hui-entities-card")
            connection = diagnostics.locator("hui-sensor-entity-row").filter(has_text="Connection")
            await expect(connection).to_contain_text("Connected")
            latency = diagnostics.locator("hui-sensor-entity-row").filter(has_text="Latency")
            await expect(latency).to_contain_text("ms")
            await page.screenshot(path=RESULTS / "e2e-dashboard.png")

            # 2. The visual editor lists the bot and hands back the changed config.
            edited = await page.evaluate(EDITOR_JS, CARD_TYPE)
            assert edited == {
                "stub": {"device_id": stack.device_id},
                "bots": [[stack.device_id, BOT_USERNAME]],
                "config": {"type": CARD_TYPE, "device_id": stack.device_id, "name": "Movie Night"},
                "inPicker": 1,
            }

            # 3. The stream URL field is there only for Streaming.
            stream_field = card.locator(".field.stream")
            activity_type = card.locator("select.activity-type")
            await expect(stream_field).to_be_hidden()
            await activity_type.select_option("streaming")
            await expect(stream_field).to_be_visible()

            # 4. Do Not Disturb, "Watching", "Movie night" through the card's controls.
            dnd = card.locator('.statuses button[data-status="dnd"]')
            await dnd.click()
            await expect(dnd).to_have_attribute("aria-pressed", "true")
            await activity_type.select_option("watching")
            await expect(activity_type).to_have_value("watching")
            await expect(stream_field).to_be_hidden()
            text = card.locator("input.activity-text")
            await text.fill(ACTIVITY)
            await text.press("Enter")

            # 5. The simulator received the matching op 3 (waited for in its origin).
            sim_page = await context.new_page()
            await sim_page.goto(f"{stack.sim_url}/_sim/records")
            await sim_page.evaluate(WATCH_RECORDS_JS, ["dnd", ACTIVITY, 3])
            await sim_page.wait_for_function("() => window.presenceSeen === true", timeout=20_000)
            await page.bring_to_front()

            # 6. The card shows what Discord was told, as its member list does.
            await expect(card.locator(".activity")).to_have_text(f"Watching {ACTIVITY}")
            await expect(card.locator(".activity b")).to_have_text(ACTIVITY)
            await expect(card.locator(".dot")).to_have_attribute("data-status", "dnd")
            await expect(text).to_have_value(ACTIVITY)
            await text.blur()
            await page.screenshot(path=RESULTS / "e2e-after.png")
            if UPDATE_SCREENSHOTS:
                shutil.copyfile(RESULTS / "e2e-after.png", IMAGES / "dashboard.png")
            await _card_screenshot(card, "presence-card-light.png")

            # 7. Dark theme (Home Assistant follows the system's scheme) and phone width.
            await page.emulate_media(color_scheme="dark")
            await expect(card.locator("ha-card")).to_have_css(
                "background-color", DARK_CARD_BACKGROUND
            )
            await _card_screenshot(card, "presence-card-dark.png")
            await page.set_viewport_size({"width": 360, "height": 740})
            await expect(card.locator(".activity")).to_have_text(f"Watching {ACTIVITY}")
            overflow = await card.locator("ha-card").evaluate("c => c.scrollWidth - c.clientWidth")
            assert overflow <= 0, f"the card overflows a phone's width by {overflow}px"
            await page.screenshot(path=RESULTS / "e2e-phone.png")

            # 8. While the gateway refuses the reconnect, Discord shows the bot offline and
            #    the card says why; once it is back, so is the presence.
            await stack.fault("refuse_gateway", status=503)
            await stack.fault("drop")
            await expect(card.locator(".connection")).to_have_text("Reconnecting")
            await expect(card.locator(".dot")).to_have_attribute("data-status", "offline")
            await _card_screenshot(card, "presence-card-reconnecting.png")
            await stack.fault("refuse_gateway")  # no status: upgrades are accepted again
            await expect(card.locator(".connection")).to_be_hidden()
            await expect(card.locator(".dot")).to_have_attribute("data-status", "dnd")
            await expect(card.locator(".activity")).to_have_text(f"Watching {ACTIVITY}")

            # 9. Streaming from the card: a URL Discord would not show is refused in the
            #    card; a Twitch URL goes out with the activity (the Stream URL entity is
            #    disabled, as by default, so the card uses set_game).
            await activity_type.select_option("streaming")
            stream_url = card.locator("input.stream-url")
            await stream_url.fill("http://example.com/live")
            await stream_url.press("Enter")
            await expect(card.locator(".error")).to_contain_text("Twitch or YouTube")
            await stream_url.fill(STREAM_URL)
            await stream_url.press("Enter")
            await sim_page.evaluate(WATCH_RECORDS_JS, ["dnd", ACTIVITY, 1, STREAM_URL])
            await sim_page.wait_for_function("() => window.presenceSeen === true", timeout=20_000)
            await expect(card.locator(".error")).to_be_hidden()
            await expect(card.locator(".activity")).to_have_text(f"Streaming {ACTIVITY}")
        except BaseException:
            await page.screenshot(path=RESULTS / "e2e-failure.png")
            raise
        finally:
            (RESULTS / "e2e-console.log").write_text("\n".join(console) + "\n", encoding="utf-8")
            await browser.close()

    new = _presences(await stack.records())[before:]
    final = new[-1]
    assert final["status"] == "dnd"
    assert final["activities"] == [{"name": ACTIVITY, "type": 1, "url": STREAM_URL}]
    assert final["afk"] is False
    # Every frame the UI caused is a well-formed op 3 payload, latest wins.
    for d in new:
        assert set(d) >= {"status", "activities", "afk", "since"}
    states = {
        key: (await stack.api.state(entity_id) or {}).get("state")
        for key, entity_id in stack.entities.items()
    }
    assert states["status"] == "dnd"
    assert states["activity_type"] == "streaming"
    assert states["activity"] == ACTIVITY
    assert states["connection"] == "connected"
