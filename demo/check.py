"""The end-to-end check behind ``script/demo --check``, run on a started stack.

Each step observes a real effect: the connection sensor's state in Home
Assistant, the op 3 frames the simulator records, a resume after an injected
drop, Home Assistant's log, the blueprints Home Assistant loaded, and the
presence card Home Assistant serves and the demo dashboard uses.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from demo.errors import StackError
from demo.processes import deadline_loop
from demo.settings import DASHBOARD_URL_PATH, DOMAIN, REPO

if TYPE_CHECKING:
    from demo.stack import DemoStack


CARD = "discord-presence-card"
# How Home Assistant's page names an extra module: import("/discord_presence/...js?v=...").
CARD_MODULE = re.compile(rf"/{DOMAIN}/{CARD}\.js\?v=[^\"']+")


def activity_of(d: dict[str, Any]) -> dict[str, Any] | None:
    """The first activity of an op 3 payload (v10 ``activities`` or legacy ``game``)."""
    activities = d.get("activities")
    if activities:
        first: dict[str, Any] = activities[0]
        return first
    game: dict[str, Any] | None = d.get("game")
    return game


async def run_check(stack: DemoStack) -> None:
    """The end-to-end check; raises StackError on the first failure."""
    say = stack.options.say
    connection = stack.entities["connection"]

    # 1. The connection sensor reaches "connected".
    await stack.wait_for_state(connection, "connected", within=60)
    say(f"ok 1: {connection} is connected")

    # 2. A set_game action reaches the simulator as the matching op 3.
    name = f"Demo check {uuid.uuid4().hex[:6]}"
    await stack.api.request(
        "POST",
        f"/api/services/{DOMAIN}/set_game",
        {"name": name, "activity_type": "watching"},
    )

    def is_ours(d: dict[str, Any]) -> bool:
        activity = activity_of(d)
        return activity is not None and activity.get("name") == name and activity.get("type") == 3

    sent = await stack.wait_for_presence(is_ours)
    say(f"ok 2: set_game arrived as op 3: {json.dumps(sent, sort_keys=True)}")

    # 3. The simulator drops the socket; the client resumes and the presence is intact.
    before = (await stack.records())["connections"]
    last_id = max(c["id"] for c in before)
    await stack.fault("drop")
    resumed: list[dict[str, Any]] = []

    async def has_resumed() -> bool:
        resumed[:] = [
            c for c in (await stack.records())["connections"] if c["id"] > last_id and c["resumes"]
        ]
        return bool(resumed)

    await deadline_loop("the client to resume after the drop", 60, has_resumed)
    new = resumed[0]
    if new["identifies"]:
        raise StackError("the client identified again instead of only resuming")
    say(f"ok 3a: dropped connection {last_id}; connection {new['id']} resumed")
    await stack.wait_for_state(connection, "connected", within=30)
    await stack.wait_for_state(stack.entities["activity"], name, within=10)
    await stack.wait_for_state(stack.entities["activity_type"], "watching", within=10)

    async def resent() -> bool:
        for c in (await stack.records())["connections"]:
            if c["id"] == new["id"] and any(is_ours(d) for _, d in c["presences"]):
                return True
        return False

    await deadline_loop("the presence to be re-sent after RESUMED", 30, resent)
    say(f"ok 3b: {connection} connected again; the presence was re-sent on the resumed session")

    # 4. Home Assistant needed nothing it could not import.
    problems = stack.log_problems()
    if problems:
        raise StackError("Home Assistant's log shows missing packages:\n  " + "\n  ".join(problems))
    say("ok 4: Home Assistant's log shows no missing packages")

    # 5. Home Assistant loads the repository's blueprints without errors.
    (blueprints,) = await stack.api.ws({"type": "blueprint/list", "domain": "automation"})
    ours = sorted(p.name for p in (REPO / "blueprints" / "automation" / DOMAIN).glob("*.yaml"))
    for name in ours:
        loaded = blueprints.get(f"{DOMAIN}/{name}")
        if loaded is None or loaded.get("error"):
            raise StackError(f"blueprint {name} did not load: {loaded}")
    say(f"ok 5: Home Assistant loaded the blueprints {', '.join(ours)}")

    # 6. Every page of Home Assistant loads the presence card, and the dashboard uses it.
    await check_card(stack)
    say(f"ok 6: Home Assistant loads the {CARD} module and the demo dashboard shows the card")


async def check_card(stack: DemoStack) -> None:
    """The page names the card's module, the module is served, the dashboard has the card."""
    async with stack.session.get(f"{stack.ha_url}/", allow_redirects=False) as resp:
        page = await resp.text()
    found = CARD_MODULE.search(page)
    if resp.status != 200 or found is None:
        raise StackError(f"Home Assistant's page (HTTP {resp.status}) does not load the card")
    # No login: the browser imports the module without a token.
    async with stack.session.get(f"{stack.ha_url}{found.group(0)}") as resp:
        module = await resp.text()
    if resp.status != 200 or f'customElements.define("{CARD}"' not in module:
        raise StackError(f"{found.group(0)} is not the card (HTTP {resp.status})")
    (dashboard,) = await stack.api.ws(
        {"type": "lovelace/config", "url_path": DASHBOARD_URL_PATH, "force": True}
    )
    cards = [card for view in dashboard["views"] for card in view.get("cards", [])]
    if not any(card.get("type") == f"custom:{CARD}" for card in cards):
        raise StackError(f"the demo dashboard has no {CARD}: {cards}")
