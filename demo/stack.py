"""Run the demo stack: the Discord simulator and a real Home Assistant, wired together.

Everything goes through real interfaces: the simulator runs as
``python -m simulator``; Home Assistant runs as ``python -m homeassistant
--skip-pip`` on a prepared config directory; onboarding, the login, the
config entry (through the integration's real config flow), the entity
registry and the dashboard are all done over Home Assistant's REST and
websocket APIs. The directory is kept between runs and every step is
idempotent: a second run only logs in and checks.

    python -m demo                 # interactive: prints the URL and the login; Ctrl-C stops
    python -m demo --check         # headless end-to-end check, exit status 0/1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

import aiohttp

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from types import TracebackType

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

CONFIGURATION_YAML = """\
# Written by demo/stack.py (python -m demo); rewritten on every run.
# Deliberately no default_config: it pulls in integrations that need the network.
homeassistant:
  name: Discord Presence demo
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: NL
  language: en
  # 0/0: onboarding's weather integration (met) then adds no entry (it needs the internet).
  latitude: 0
  longitude: 0
  elevation: 0
frontend:
config:
api:
# http: Home Assistant 2026.10 keeps the HTTP settings in .storage/http (YAML is
# migrated once and then ignored; a changed port would only be a "pending" trial
# that reverts after 5 minutes). The demo writes that file: 127.0.0.1:{ha_port}.
automation:
script:
lovelace:
# tts needs ffmpeg; without an ffmpeg binary on this machine, a no-op stands in
# (the demo plays no media) so its start-up check logs no error.
ffmpeg:
  ffmpeg_bin: {ffmpeg_bin}
logger:
  default: warning
  logs:
    custom_components.discord_presence: info
"""

REQUIREMENT_ERRORS = (
    "Unable to install package",
    "Requirements for",
    "No module named",
    "Unable to import component",
)


class StackError(RuntimeError):
    """The stack could not be started or did not behave."""


def free_port() -> int:
    """A currently free TCP port on loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    """Whether ``port`` can be bound on loopback right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: a port whose old connections linger in TIME_WAIT is usable.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Children get SIGTERM if the driver dies without cleaning up (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


async def _deadline_loop(
    what: str, within: float, probe: Callable[[], Awaitable[bool]], interval: float = 0.25
) -> None:
    """Poll ``probe`` (an external process's state) until true or the deadline passes."""
    deadline = time.monotonic() + within
    while True:
        if await probe():
            return
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


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


class Child:
    """A child process whose output goes to a log file (and optionally a callback)."""

    def __init__(self, name: str, log_path: Path) -> None:
        """Name the child; nothing starts yet."""
        self.name = name
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self._relay: asyncio.Task[None] | None = None
        self._log: IO[bytes] | None = None

    async def start(
        self,
        args: list[str],
        *,
        cwd: Path,
        echo: Callable[[str], None] | None = None,
        ready_marker: str | None = None,
    ) -> asyncio.Event:
        """Start it; the returned event is set once a line contains ``ready_marker``."""
        ready = asyncio.Event()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        piped = echo is not None or ready_marker is not None
        self.proc = await asyncio.create_subprocess_exec(
            *args,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if piped else self._log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the driver, which stops children in order
            preexec_fn=_die_with_parent,
        )
        if piped:
            self._relay = asyncio.create_task(self._relay_lines(echo, ready_marker, ready))
        return ready

    async def _relay_lines(
        self, echo: Callable[[str], None] | None, marker: str | None, ready: asyncio.Event
    ) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        assert self._log is not None
        while line := await self.proc.stdout.readline():
            self._log.write(line)
            self._log.flush()
            text = line.decode(errors="replace").rstrip()
            if marker is not None and marker in text:
                ready.set()
            if echo is not None:
                echo(text)

    @property
    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.proc is not None and self.proc.returncode is None

    async def stop(self, grace: float = 60) -> int | None:
        """SIGTERM, wait (bounded), then SIGKILL; returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if self._relay is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
            self._relay = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return proc.returncode


class HomeAssistantApi:
    """A tiny client for Home Assistant's REST and websocket APIs."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Bind to one Home Assistant; log in with :meth:`authenticate`."""
        self.session = session
        self.base_url = base_url
        self.client_id = f"{base_url}/"
        self.access_token: str | None = None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}

    async def request(
        self, method: str, path: str, body: Any = None, *, expect: tuple[int, ...] = (200,)
    ) -> Any:
        """A JSON request; raises StackError on an unexpected status."""
        async with self.session.request(
            method, f"{self.base_url}{path}", json=body, headers=self._headers()
        ) as resp:
            text = await resp.text()
            if resp.status not in expect:
                raise StackError(f"{method} {path}: HTTP {resp.status}: {text[:300]}")
            try:
                return json.loads(text) if text else None
            except ValueError:
                return text

    async def _token_from_code(self, code: str) -> None:
        async with self.session.post(
            f"{self.base_url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as resp:
            if resp.status != 200:
                raise StackError(f"/auth/token: HTTP {resp.status}: {await resp.text()}")
            self.access_token = (await resp.json())["access_token"]

    async def authenticate(self, say: Callable[[str], None]) -> None:
        """Finish onboarding if needed (creating the login), else log in."""
        steps = await self.request("GET", "/api/onboarding", expect=(200, 404))
        if not isinstance(steps, list):  # 404: onboarding finished long ago
            steps = [{"step": "user", "done": True}]
        done = {step["step"] for step in steps if step["done"]}
        if "user" in done:
            done |= {"core_config", "analytics", "integration"} - {
                step["step"] for step in steps if not step["done"]
            }
        if "user" not in done:
            say("onboarding: creating the login")
            created = await self.request(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": HA_NAME,
                    "username": HA_USERNAME,
                    "password": HA_PASSWORD,
                    "language": "en",
                },
            )
            await self._token_from_code(created["auth_code"])
        else:
            await self.login(HA_USERNAME, HA_PASSWORD)
        for step in ("core_config", "analytics", "integration"):
            if step in done:
                continue
            say(f"onboarding: {step}")
            body: dict[str, Any] = {}
            if step == "integration":
                body = {"client_id": self.client_id, "redirect_uri": self.client_id}
            await self.request("POST", f"/api/onboarding/{step}", body)

    async def login(self, username: str, password: str) -> None:
        """Log in through the login flow, as the frontend does."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise StackError(f"login failed: {result.get('errors')}")
        await self._token_from_code(result["result"])

    async def ws(self, *commands: dict[str, Any]) -> list[Any]:
        """Run websocket commands in order on one connection; return their results."""
        results: list[Any] = []
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as sock:
            await sock.receive_json()  # auth_required
            await sock.send_json({"type": "auth", "access_token": self.access_token})
            auth = await sock.receive_json()
            if auth.get("type") != "auth_ok":
                raise StackError(f"websocket auth failed: {auth}")
            for number, command in enumerate(commands, start=1):
                await sock.send_json({"id": number, **command})
                while True:
                    msg = await sock.receive_json()
                    if msg.get("id") == number and msg.get("type") == "result":
                        break
                if not msg.get("success"):
                    raise StackError(f"websocket {command['type']}: {msg.get('error')}")
                results.append(msg.get("result"))
        return results

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        """The entity's state object, or None when it has none (yet)."""
        result = await self.request("GET", f"/api/states/{entity_id}", expect=(200, 404))
        if isinstance(result, dict) and "state" in result:
            return result
        return None


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
        self._prepare_config_dir()
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

    def _prepare_config_dir(self) -> None:
        config = self.options.config_dir
        (config / "custom_components").mkdir(parents=True, exist_ok=True)
        (config / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(
                ha_port=self.options.ha_port, ffmpeg_bin=shutil.which("ffmpeg") or "/bin/true"
            ),
            encoding="utf-8",
        )
        for name in ("automations.yaml", "scripts.yaml"):
            path = config / name
            if not path.exists():
                path.write_text("[]\n" if name == "automations.yaml" else "{}\n", encoding="utf-8")
        self._write_http_store()
        link = config / "custom_components" / DOMAIN
        target = REPO / "custom_components" / DOMAIN
        if link.is_symlink() and link.resolve() != target.resolve():
            link.unlink()
        if not link.exists():
            link.symlink_to(target, target_is_directory=True)
        # The repository's blueprints, copied (Home Assistant's blueprint search does
        # not follow symlinked folders), so they can be tried in the demo.
        source = REPO / "blueprints" / "automation" / DOMAIN
        target = config / "blueprints" / "automation" / DOMAIN
        if target.is_symlink():
            target.unlink()
        target.mkdir(parents=True, exist_ok=True)
        for blueprint in sorted(source.glob("*.yaml")):
            text = blueprint.read_text(encoding="utf-8")
            copy = target / blueprint.name
            if not copy.exists() or copy.read_text(encoding="utf-8") != text:
                copy.write_text(text, encoding="utf-8")

    def _write_http_store(self) -> None:
        """Bind Home Assistant to 127.0.0.1:ha_port (its stored, confirmed HTTP config)."""
        storage = self.options.config_dir / ".storage"
        storage.mkdir(parents=True, exist_ok=True)
        path = storage / "http"
        data: dict[str, Any] = {}
        if path.exists():
            with contextlib.suppress(ValueError):
                data = json.loads(path.read_text(encoding="utf-8"))
        stable = dict(data.get("data", {}).get("stable") or {})
        stable.update(
            {
                "server_port": self.options.ha_port,
                "server_host": ["127.0.0.1"],
                "cors_allowed_origins": stable.get("cors_allowed_origins", []),
                "login_attempts_threshold": -1,
                "ip_ban_enabled": False,
                "ssl_profile": "modern",
                "use_x_frame_options": True,
                "created_at": stable.get("created_at") or "2026-01-01T00:00:00+00:00",
                "error": None,
                "error_message": None,
            }
        )
        store = {
            "version": 2,
            "minor_version": 2,
            "key": "http",
            "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
        }
        if data != store:
            path.write_text(json.dumps(store, indent=2) + "\n", encoding="utf-8")

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

        await _deadline_loop("the simulator", 30, started, interval=0.1)
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
        onboarded = self._onboarded()

        async def http_up() -> bool:
            if not self.hass.running:
                raise StackError(
                    f"Home Assistant exited; see {opts.config_dir / 'home-assistant.log'}"
                )
            try:
                async with self.session.get(f"{self.ha_url}/api/onboarding") as resp:
                    # Once onboarded, the onboarding views are never registered (404);
                    # before that, wait until they are (the HTTP server starts first).
                    return resp.status == 200 or (resp.status == 404 and onboarded)
            except aiohttp.ClientError:
                return False

        await _deadline_loop("Home Assistant's HTTP server", 180, http_up)
        await self.api.authenticate(opts.say)

        async def running() -> bool:
            config = await self.api.request("GET", "/api/config")
            return bool(config.get("state") == "RUNNING")

        await _deadline_loop("Home Assistant to finish starting", 180, running)

    def _onboarded(self) -> bool:
        """Whether every onboarding step is recorded as done in the config directory."""
        path = self.options.config_dir / ".storage" / "onboarding"
        try:
            done = set(json.loads(path.read_text(encoding="utf-8"))["data"]["done"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return {"user", "core_config", "analytics", "integration"} <= done

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
            found = {
                wanted[e["unique_id"]]: e["entity_id"]
                for e in await self._registry()
                if e.get("unique_id") in wanted
            }
            self.entities = found
            return len(found) == len(wanted)

        await _deadline_loop("the integration's entities", 60, all_registered)

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
        """The demo dashboard: one entities card with the account's controls."""
        ent = self.entities
        return {
            "title": "Discord Presence",
            "views": [
                {
                    "title": "Discord",
                    "path": DASHBOARD_PATH,
                    "icon": "mdi:account-voice",
                    "cards": [
                        {
                            "type": "entities",
                            "title": "Discord Presence",
                            "show_header_toggle": False,
                            "state_color": True,
                            "entities": [
                                {"entity": ent["connection"], "name": "Connection"},
                                {"entity": ent["status"], "name": "Status"},
                                {"entity": ent["activity_type"], "name": "Activity type"},
                                {"entity": ent["activity"], "name": "Activity"},
                                {"entity": ent["latency"], "name": "Latency"},
                            ],
                        }
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

        await _deadline_loop(f"{entity_id} == {wanted!r}", within, reached)

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

        await _deadline_loop("a matching presence update at the simulator", within, received)
        return found[-1]

    def log_problems(self) -> list[str]:
        """Lines of Home Assistant's log that show missing packages or failed setups."""
        log = self.options.config_dir / "home-assistant.log"
        if not log.exists():
            return []
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line for line in lines if any(marker in line for marker in REQUIREMENT_ERRORS)]


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

    await _deadline_loop("the client to resume after the drop", 60, has_resumed)
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

    await _deadline_loop("the presence to be re-sent after RESUMED", 30, resent)
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


def _banner(stack: DemoStack) -> str:
    ent = stack.entities
    return "\n".join(
        [
            "",
            "=" * 72,
            "Discord Presence demo is running",
            f"  Dashboard:  {stack.dashboard_url}",
            f"  Login:      username {HA_USERNAME!r}  password {HA_PASSWORD!r}",
            f"  Simulator:  {stack.sim_url} (records: {stack.sim_url}/_sim/records)",
            f"  Entities:   {', '.join(ent[k] for k in ENTITY_KEYS)}",
            f"  HA log:     {stack.options.config_dir / 'home-assistant.log'}",
            "  Presence frames the simulator receives appear below. Ctrl-C stops.",
            "=" * 72,
        ]
    )


async def _run(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    check = bool(args.check)

    def echo(line: str) -> None:
        print(f"simulator | {line}", flush=True)

    options = StackOptions(
        root=root,
        ha_port=args.ha_port,
        sim_port=args.sim_port,
        echo_simulator=None if check else echo,
    )
    stack = DemoStack(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    async def main_job() -> int:
        started = time.monotonic()
        await stack.start()
        if check:
            await run_check(stack)
            options.say(f"check passed in {time.monotonic() - started:.1f} s")
            return 0
        for line in stack.log_problems():
            options.say(f"warning: {line}")
        print(_banner(stack), flush=True)
        children = [
            asyncio.create_task(stack.hass.proc.wait()) if stack.hass.proc else None,
            asyncio.create_task(stack.simulator.proc.wait()) if stack.simulator.proc else None,
        ]
        waiters = [t for t in children if t is not None]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for t in waiters:
            t.cancel()
        options.say("a child process exited unexpectedly")
        return 1

    job = asyncio.create_task(main_job())
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({job, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if job.done():
            return job.result()
        options.say("stopping (Ctrl-C)")
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError, StackError):
            await job
        return 130
    except StackError as err:
        options.say(f"FAILED: {err}")
        return 1
    except Exception as err:
        options.say(f"FAILED: unexpected {type(err).__name__}: {err}")
        traceback.print_exc()
        return 1
    finally:
        stopper.cancel()
        await stack.stop()
        options.say("stopped")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="script/demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="headless end-to-end check")
    parser.add_argument("--dir", help="state directory (default .demo, or .demo/check)")
    parser.add_argument("--ha-port", type=int, help="0 = any free port")
    parser.add_argument("--sim-port", type=int, help="0 = any free port")
    args = parser.parse_args(argv)
    if args.dir is None:
        args.dir = str(REPO / ".demo" / "check" if args.check else REPO / ".demo")
    args.dir = str(Path(args.dir).resolve())
    if args.ha_port is None:
        args.ha_port = 0 if args.check else 8123
    if args.sim_port is None:
        args.sim_port = 0 if args.check else 8765
    return asyncio.run(_run(args))
