"""A small client for Home Assistant's REST and websocket APIs, as the frontend uses them.

Onboarding, the login flow, JSON requests and websocket commands; the demo's
login comes from :mod:`demo.settings`. Starts no processes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from demo.errors import StackError
from demo.settings import HA_NAME, HA_PASSWORD, HA_USERNAME

if TYPE_CHECKING:
    from collections.abc import Callable

    import aiohttp


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
