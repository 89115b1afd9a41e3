"""The demo stack: the simulator and a real Home Assistant, started and wired together.

Everything goes through real interfaces: the simulator runs as ``python -m
simulator``; Home Assistant runs as ``python -m homeassistant --skip-pip`` on the
directory :mod:`demo.config_dir` prepares; onboarding, the login, the config entry
(through the integration's real config flow), the entity registry and the
dashboard are done over Home Assistant's REST and websocket APIs. Every step is
idempotent: a second run on a kept directory only logs in and checks. It also
offers what a check needs to observe the stack (states, simulator records, faults).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

import aiohttp

from demo.config_dir import onboarded, prepare_config_dir
from demo.errors import StackError
from demo.ha_api import HomeAssistantApi
from demo.processes import Child, deadline_loop, free_port, port_is_free
from demo.settings import (
    BOT_TOKEN,
    BOT_USER_ID,
    BOT_USERNAME,
    DASHBOARD_PATH,
    DASHBOARD_URL_PATH,
    DOMAIN,
    ENTITY_KEYS,
    HA_PASSWORD,
    HA_USERNAME,
    REPO,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import TracebackType

# The browser test imports the login from here, beside the stack it starts.
__all__ = ["HA_PASSWORD", "HA_USERNAME", "DemoStack", "StackError", "StackOptions"]

# Home Assistant runs with --skip-pip: these lines in its log mean the demo's
# requirements lack a package some component needs.
REQUIREMENT_ERRORS = (
    "Unable to install package",
    "Requirements for",
    "No module named",
    "Unable to import component",
)


@dataclass
class StackOptions:
    """Where and how to run the stack."""

    root: Path
    ha_port: int = 8123
    sim_port: int = 8765
    heartbeat_interval_ms: int = 10_000
    echo_simulator: Callable[[str], None] | None = None
    say: Callable[[str], None] = field(default=lambda line: print(f"demo: {line}", flush=True))

    @property
    def config_dir(self) -> Path:
        """Home Assistant's configuration directory."""
        return self.root / "config"


class DemoStack:
    """The simulator plus a Home Assistant with the integration set up against it."""

    def __init__(self, options: StackOptions) -> None:
        """Nothing starts before :meth:`start`."""
        self.options = options
        # Port 0: reuse the previous run's port when it is free (the config entry
        # then needs no reconfigure), else any free port.
        previous = self._load_state()
        for attr in ("ha_port", "sim_port"):
            if getattr(options, attr) == 0:
                port = previous.get(attr)
                ok = isinstance(port, int) and port > 0 and port_is_free(port)
                setattr(options, attr, port if ok else free_port())
        self.simulator = Child("simulator", options.root / "simulator.log")
        self.hass = Child("home-assistant", options.config_dir / "home-assistant.console.log")
        self._session: aiohttp.ClientSession | None = None
        self._api: HomeAssistantApi | None = None
        self.entry_id: str | None = None
        self.entities: dict[str, str] = {}
        self.device_id = ""  # the bot's device, which the presence card is configured with

    # -- addresses ----------------------------------------------------------
    @property
    def ha_url(self) -> str:
        """Home Assistant's base URL."""
        return f"http://127.0.0.1:{self.options.ha_port}"

    @property
    def dashboard_url(self) -> str:
        """The demo dashboard."""
        return f"{self.ha_url}/{DASHBOARD_URL_PATH}/{DASHBOARD_PATH}"

    @property
    def sim_url(self) -> str:
        """The simulator's base URL (control endpoints under /_sim/)."""
        return f"http://127.0.0.1:{self.options.sim_port}"

    @property
    def api_url(self) -> str:
        """What the config entry points at."""
        return f"{self.sim_url}/api/v10"

    @property
    def api(self) -> HomeAssistantApi:
        """The logged-in Home Assistant API."""
        if self._api is None:
            raise StackError("the stack is not started")
        return self._api

    @property
    def session(self) -> aiohttp.ClientSession:
        """The driver's HTTP session."""
        if self._session is None:
            raise StackError("the stack is not started")
        return self._session

    # -- lifecycle ----------------------------------------------------------
    async def __aenter__(self) -> Self:
        """Start everything."""
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop everything."""
        await self.stop()

    async def start(self) -> None:
        """Start the simulator and Home Assistant and bring the integration up."""
        say = self.options.say
        for what, port in (
            ("Home Assistant", self.options.ha_port),
            ("simulator", self.options.sim_port),
        ):
            if not port_is_free(port):
                raise StackError(
                    f"port {port} (for the {what}) is in use: is another demo running? "
                    "Choose others with --ha-port/--sim-port (0 = any free port)"
                )
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        prepare_config_dir(self.options.config_dir, self.options.ha_port)
        await self._start_simulator()
        await self._start_hass()
        self.entry_id = await self._ensure_entry()
        await self._find_entities()
        if await self._enable_latency_sensor():
            # Enabling an entity makes Home Assistant reload the entry 30 s later;
            # a restart applies it now and keeps the stack steady afterwards.
            say("enabled the latency sensor; restarting Home Assistant to apply it")
            await self.hass.stop()
            await self._start_hass()
        await self._ensure_dashboard()
        await self.wait_for_state(self.entities["connection"], "connected", within=60)
        say("the integration is connected to the simulator")

    async def stop(self) -> None:
        """Stop Home Assistant, then the simulator; idempotent."""
        if self.hass.running:
            self.options.say("stopping Home Assistant")
        await self.hass.stop()
        await self.simulator.stop(grace=10)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _start_simulator(self) -> None:
        opts = self.options
        ready = await self.simulator.start(
            [
                sys.executable,
                "-m",
                "simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(opts.sim_port),
                "--token",
                BOT_TOKEN,
                "--user-id",
                BOT_USER_ID,
                "--username",
                BOT_USERNAME,
                "--heartbeat-interval",
                str(opts.heartbeat_interval_ms),
            ],
            cwd=REPO,
            echo=opts.echo_simulator,
            ready_marker="simulator ready",
        )

        async def started() -> bool:
            if not self.simulator.running:
                raise StackError(f"the simulator exited; see {self.simulator.log_path}")
            return ready.is_set()

        await deadline_loop("the simulator", 30, started, interval=0.1)
        opts.say(f"simulator listening on {self.sim_url} (log: {self.simulator.log_path})")

    async def _start_hass(self) -> None:
        opts = self.options
        opts.say(f"starting Home Assistant on {self.ha_url} (config: {opts.config_dir})")
        await self.hass.start(
            [
                sys.executable,
                "-m",
                "homeassistant",
                "--config",
                str(opts.config_dir),
                "--skip-pip",
            ],
            cwd=opts.config_dir,
        )
        self._api = HomeAssistantApi(self.session, self.ha_url)
        already_onboarded = onboarded(opts.config_dir)

        async def http_up() -> bool:
            if not self.hass.running:
                raise StackError(
                    f"Home Assistant exited; see {opts.config_dir / 'home-assistant.log'}"
                )
            try:
                async with self.session.get(f"{self.ha_url}/api/onboarding") as resp:
                    # Once onboarded, the onboarding views are never registered (404);
                    # before that, wait until they are (the HTTP server starts first).
                    return resp.status == 200 or (resp.status == 404 and already_onboarded)
            except aiohttp.ClientError:
                return False

        await deadline_loop("Home Assistant's HTTP server", 180, http_up)
        await self.api.authenticate(opts.say)

        async def running() -> bool:
            config = await self.api.request("GET", "/api/config")
            return bool(config.get("state") == "RUNNING")

        await deadline_loop("Home Assistant to finish starting", 180, running)

    def _load_state(self) -> dict[str, Any]:
        try:
            state = json.loads((self.options.root / "stack.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    async def _ensure_entry(self) -> str:
        """Create the config entry through the config flow, or repoint it (reconfigure)."""
        say = self.options.say
        state_file = self.options.root / "stack.json"
        state = self._load_state()
        entries = await self.api.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        advanced = {"api_url": self.api_url, "protocol": "v10"}
        if not entries:
            say("adding the Discord Presence integration through its config flow")
            flow = await self.api.request(
                "POST",
                "/api/config/config_entries/flow",
                {"handler": DOMAIN, "show_advanced_options": True},
            )
            result = await self.api.request(
                "POST",
                f"/api/config/config_entries/flow/{flow['flow_id']}",
                {"token": BOT_TOKEN, "advanced": advanced},
            )
            if result.get("type") != "create_entry":
                raise StackError(f"config flow did not create the entry: {result}")
            entry_id: str = result["result"]["entry_id"]
        else:
            entry_id = entries[0]["entry_id"]
            if state.get("api_url") != self.api_url:
                say(f"pointing the integration at {self.api_url} (reconfigure flow)")
                flow = await self.api.request(
                    "POST",
                    "/api/config/config_entries/flow",
                    {"handler": DOMAIN, "entry_id": entry_id},
                )
                result = await self.api.request(
                    "POST",
                    f"/api/config/config_entries/flow/{flow['flow_id']}",
                    {"advanced": advanced},
                )
                if result.get("reason") != "reconfigure_successful":
                    raise StackError(f"reconfigure flow failed: {result}")
        state.update(
            api_url=self.api_url, ha_port=self.options.ha_port, sim_port=self.options.sim_port
        )
        state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        return entry_id

    async def _registry(self) -> list[dict[str, Any]]:
        (entries,) = await self.api.ws({"type": "config/entity_registry/list"})
        return [e for e in entries if e.get("platform") == DOMAIN]

    async def _find_entities(self) -> None:
        wanted = {f"{BOT_USER_ID}_{key}": key for key in ENTITY_KEYS}

        async def all_registered() -> bool:
            ours = [e for e in await self._registry() if e.get("unique_id") in wanted]
            self.entities = {wanted[e["unique_id"]]: e["entity_id"] for e in ours}
            self.device_id = next((e["device_id"] for e in ours if e.get("device_id")), "")
            return len(self.entities) == len(wanted) and bool(self.device_id)

        await deadline_loop("the integration's entities", 60, all_registered)

    async def _enable_latency_sensor(self) -> bool:
        """Enable the (disabled by default) latency sensor; True when it changed."""
        latency = self.entities["latency"]
        entry = next(e for e in await self._registry() if e["entity_id"] == latency)
        if entry.get("disabled_by") is None:
            return False
        await self.api.ws(
            {"type": "config/entity_registry/update", "entity_id": latency, "disabled_by": None}
        )
        return True

    def dashboard_config(self) -> dict[str, Any]:
        """The demo dashboard: the presence card, and the connection's diagnostics beside it."""
        ent = self.entities
        return {
            "title": "Discord Presence",
            "views": [
                {
                    "title": "Discord",
                    "path": DASHBOARD_PATH,
                    "icon": "mdi:account-voice",
                    "cards": [
                        {"type": "custom:discord-presence-card", "device_id": self.device_id},
                        {
                            "type": "entities",
                            "title": "Connection",
                            "show_header_toggle": False,
                            "state_color": True,
                            "entities": [
                                {"entity": ent["connection"], "name": "Connection"},
                                {"entity": ent["latency"], "name": "Latency"},
                            ],
                        },
                    ],
                }
            ],
        }

    async def _ensure_dashboard(self) -> None:
        """A storage dashboard of its own (created once; its config kept up to date)."""
        (dashboards,) = await self.api.ws({"type": "lovelace/dashboards/list"})
        if not any(d.get("url_path") == DASHBOARD_URL_PATH for d in dashboards):
            self.options.say(f"creating the dashboard /{DASHBOARD_URL_PATH}")
            await self.api.ws(
                {
                    "type": "lovelace/dashboards/create",
                    "url_path": DASHBOARD_URL_PATH,
                    "title": "Discord Presence",
                    "icon": "mdi:account-voice",
                    "show_in_sidebar": True,
                    "require_admin": False,
                    "mode": "storage",
                }
            )
        wanted = self.dashboard_config()
        try:
            (current,) = await self.api.ws(
                {"type": "lovelace/config", "url_path": DASHBOARD_URL_PATH, "force": True}
            )
        except StackError:
            current = None  # created, nothing saved yet
        if current != wanted:
            self.options.say("saving the demo dashboard")
            await self.api.ws(
                {"type": "lovelace/config/save", "url_path": DASHBOARD_URL_PATH, "config": wanted}
            )

    # -- observing ------------------------------------------------------------
    async def wait_for_state(self, entity_id: str, wanted: str, within: float = 30) -> None:
        """Poll Home Assistant until ``entity_id`` has the state ``wanted``."""

        async def reached() -> bool:
            if not self.hass.running:
                raise StackError("Home Assistant exited")
            state = await self.api.state(entity_id)
            return state is not None and state["state"] == wanted

        await deadline_loop(f"{entity_id} == {wanted!r}", within, reached)

    async def records(self) -> dict[str, Any]:
        """The simulator's records (GET /_sim/records)."""
        async with self.session.get(f"{self.sim_url}/_sim/records") as resp:
            resp.raise_for_status()
            result: dict[str, Any] = await resp.json()
            return result

    async def fault(self, name: str, **args: Any) -> None:
        """Inject a simulator fault (POST /_sim/fault)."""
        async with self.session.post(
            f"{self.sim_url}/_sim/fault", json={"fault": name, **args}
        ) as resp:
            body = await resp.json()
            if resp.status != 200 or not body.get("ok"):
                raise StackError(f"fault {name} failed: {body}")

    async def wait_for_presence(
        self, matches: Callable[[dict[str, Any]], bool], within: float = 15
    ) -> dict[str, Any]:
        """Wait until the simulator has received an op 3 whose ``d`` matches; return it."""
        found: list[dict[str, Any]] = []

        async def received() -> bool:
            found[:] = [d for d in (await self.records())["presences"] if matches(d)]
            return bool(found)

        await deadline_loop("a matching presence update at the simulator", within, received)
        return found[-1]

    def log_problems(self) -> list[str]:
        """Lines of Home Assistant's log that show missing packages or failed setups."""
        log = self.options.config_dir / "home-assistant.log"
        if not log.exists():
            return []
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in lines if any(marker in line for marker in REQUIREMENT_ERRORS)]
