"""The demo's fixed names: the simulated bot, the Home Assistant login, entities, dashboard.

Shared by the stack, the check, the command line and the browser test, so each
states them once; this module imports nothing from the rest of the demo.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOMAIN = "discord_presence"

# The simulated bot account (not a real token: it only works against the simulator).
BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.Demo00.simulator-demo-token-not-a-secret"
BOT_USER_ID = "1000000000000000001"
BOT_USERNAME = "presence-bot"

# The demo's Home Assistant login.
HA_NAME = "Demo"
HA_USERNAME = "demo"
HA_PASSWORD = "discord-presence-demo"

# Entity keys (the integration's unique_id is f"{user_id}_{key}").
ENTITY_KEYS = ("connection", "status", "activity_type", "activity", "latency")
DASHBOARD_URL_PATH = "discord-presence"  # a storage dashboard (needs a hyphen)
DASHBOARD_PATH = "account"  # its view
