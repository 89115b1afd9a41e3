"""Discord's REST endpoints, and the failures ``fail_rest`` puts in front of them.

v10 under ``/api/v10``, the 2016 API under ``/api``:
    GET /gateway         -> {"url": ws url}; counted in ``gateway_requests``
    GET /gateway/bot     -> url, shards, session_start_limit (needs the token)
    GET /users/@me       -> the bot's user object (needs the token)
    GET /oauth2/applications/@me -> the bot's application (needs the token)
v10 wants ``Authorization: Bot <token>``; the 2016 API also takes the bare token.
Bad or missing tokens get 401 ``{"message": "401: Unauthorized", "code": 0}``.
Every request is recorded as a ``RestRequest``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from simulator.http_faults import RestFailures, failure_body
from simulator.parking import Parking
from simulator.records import RestRequest

if TYPE_CHECKING:
    from simulator.accounts import Account
    from simulator.hub import Hub

Api = Literal["v10", "legacy"]
UNAUTHORIZED = {"message": "401: Unauthorized", "code": 0}
#: What ``gateway_bot_any_token`` answers for a token it does not know (fixed values).
ANY_TOKEN_LIMIT = {
    "total": 1000,
    "remaining": 1000,
    "reset_after": 14_400_000,
    "max_concurrency": 1,
}
PREFIXES: tuple[tuple[str, Api], ...] = (("/api/v10", "v10"), ("/api", "legacy"))


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with Discord's exact ``Content-Type: application/json`` (no charset),
    which some clients compare literally."""
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


class RestApi:
    """The REST endpoints of one simulator, with its failure rules and held requests."""

    _Handler = Callable[[web.Request, Api], dict[str, Any] | None]

    def __init__(self, hub: Hub, *, any_token: bool) -> None:
        self.hub = hub
        #: ``GET /gateway/bot`` answers 200 to any token (as Spacebar does).
        self.any_token = any_token
        self.failures = RestFailures()
        self.held = Parking(hub.recorder.changed)
        self.gateway_bot_requests = 0

    def add_routes(self, app: web.Application) -> None:
        handlers: dict[str, RestApi._Handler] = {
            "/gateway": self._gateway,
            "/gateway/bot": self._gateway_bot,
            "/users/@me": self._me,
            "/oauth2/applications/@me": self._application,
        }
        for prefix, api in PREFIXES:
            for path, handler in handlers.items():
                app.router.add_get(prefix + path, self._endpoint(handler, api, path))

    def _endpoint(self, handler: _Handler, api: Api, path: str) -> Callable[[web.Request], Any]:
        recorder = self.hub.recorder

        async def respond(request: web.Request) -> web.Response:
            entry = RestRequest(t=self.hub.clock.monotonic(), api=api, path=path)
            recorder.rest_requests.append(entry)
            rule = self.failures.take(path)
            if rule is not None and rule.hang:
                entry.fault = "hang"
                recorder.changed()
                entry.outcome = await self.held.hold(request.transport)
                recorder.changed()
                if entry.outcome != "released":
                    return web.Response(status=503)  # nobody is there to read it
            elif rule is not None:
                entry.fault = "status"
                entry.status = rule.status
                recorder.changed()
                body, headers = failure_body(rule)
                return json_response(body, status=entry.status or 500, headers=headers)
            answer = handler(request, api)
            entry.status = 401 if answer is None else 200
            recorder.changed()
            return json_response(UNAUTHORIZED if answer is None else answer, entry.status)

        return respond

    def _authorised(self, request: web.Request, api: Api) -> Account | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bot "):
            token = header.removeprefix("Bot ")
        elif api == "legacy":
            token = header
        else:
            return None
        return self.hub.accounts.get(token)

    def _ws_url(self, api: Api) -> str:
        return self.hub.v10_url if api == "v10" else self.hub.legacy_url

    def _gateway(self, request: web.Request, api: Api) -> dict[str, Any]:
        self.hub.recorder.gateway_requests += 1
        return {"url": self._ws_url(api)}

    def _gateway_bot(self, request: web.Request, api: Api) -> dict[str, Any] | None:
        account = self._authorised(request, api)
        if account is None and not self.any_token:
            return None
        self.gateway_bot_requests += 1
        limit = dict(ANY_TOKEN_LIMIT)
        if account is not None:
            limit = {
                "total": account.session_start_total,
                "remaining": account.session_start_remaining,
                "reset_after": self.hub.accounts.reset_after_ms(account),
                "max_concurrency": 1,
            }
        return {"url": self._ws_url(api), "shards": 1, "session_start_limit": limit}

    def _me(self, request: web.Request, api: Api) -> dict[str, Any] | None:
        account = self._authorised(request, api)
        return None if account is None else account.user()

    def _application(self, request: web.Request, api: Api) -> dict[str, Any] | None:
        account = self._authorised(request, api)
        return None if account is None else account.application()
