"""What the user hears about the connection: the offline warning, repair issues, the one ERROR.

The coordinator reports what the client does; this module decides what is
worth telling. A routine drop stays at DEBUG; an outage that lasts
OFFLINE_WARNING_AFTER earns one WARNING; waiting for the identify budget and
permanent refusals get a repair issue; a permanent failure gets one ERROR and
a way out (re-authentication, the developer portal, the issue tracker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .const import (
    DEVELOPER_PORTAL_URL,
    DOMAIN,
    ISSUE_FATAL,
    ISSUE_INTENTS,
    ISSUE_TRACKER_URL,
    ISSUE_WAITING,
    LOGGER,
    offline_warning_after,
)
from .failures import FATAL_KEYS, REFUSAL_KEYS, FailureKind, close_code_text, failure_kind
from .gateway import (
    AuthenticationFailed,
    ConnectionState,
    DisallowedIntents,
    FatalGatewayError,
    GatewaySnapshot,
    InvalidIntents,
)
from .helpers import iso_time

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from homeassistant.config_entries import ConfigEntry

    from .gateway import Clock


class ConnectionHealth:
    """The outage and failure reporting of one config entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        clock: Clock,
        describe_state: Callable[[], str],
    ) -> None:
        """`describe_state` words the connection state for the offline WARNING."""
        self._hass = hass
        self._entry = entry
        self._clock = clock
        self._describe_state = describe_state
        self._offline_watch: asyncio.Task[None] | None = None
        self._offline_warned = False

    # ---------------------------------------------------------------- failure

    def setup_error(self, err: FatalGatewayError) -> Exception:
        """The setup error for a refusal met while setting up (its issue too, for intents)."""
        kind = failure_kind(err)
        if kind is FailureKind.AUTH:
            return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        if kind is FailureKind.INTENTS:
            self._create_intents_issue()
            return ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="disallowed_intents",
                translation_placeholders={"portal_url": DEVELOPER_PORTAL_URL},
            )
        return ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key=FATAL_KEYS[kind],
            translation_placeholders={"code": close_code_text(err)},
        )

    @callback
    def failed(self, err: FatalGatewayError) -> None:
        """A permanent refusal at runtime: one ERROR and a way out for the user."""
        self.stop_offline_watch()
        self._delete_issue(ISSUE_WAITING)
        title = self._entry.title
        if isinstance(err, AuthenticationFailed):
            LOGGER.error("Discord rejected the token of %s; re-authentication is needed", title)
            self._entry.async_start_reauth(self._hass)
        elif isinstance(err, InvalidIntents | DisallowedIntents):
            LOGGER.error(
                "Discord refused the gateway intents of %s (close code %s); see the repair issue",
                title,
                err.close_code,
            )
            self._create_intents_issue()
        elif (kind := failure_kind(err)) is FailureKind.CRASHED:
            LOGGER.error(
                "The gateway client of %s stopped on an internal error; reload to restart it",
                title,
                exc_info=err,
            )
            self._create_issue(
                ISSUE_FATAL,
                translation_key=FATAL_KEYS[kind],
                learn_more_url=ISSUE_TRACKER_URL,
                code=close_code_text(err),
            )
        else:
            # The class name is for whoever reads the log; users see a translated reason.
            LOGGER.error(
                "Discord closed the connection of %s for good: %s (close code %s)",
                title,
                type(err).__name__,
                err.close_code,
            )
            self._create_issue(
                ISSUE_FATAL, translation_key=FATAL_KEYS[kind], code=close_code_text(err)
            )

    def refusal(self, err: FatalGatewayError) -> HomeAssistantError:
        """Why a change can never be sent after `err`, and what to do."""
        kind = failure_kind(err)
        placeholders = {"name": self._entry.title}
        if kind is FailureKind.INTENTS:
            placeholders["portal_url"] = DEVELOPER_PORTAL_URL
        elif kind is not FailureKind.AUTH:
            placeholders["code"] = close_code_text(err)
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=REFUSAL_KEYS[kind],
            translation_placeholders=placeholders,
        )

    # ----------------------------------------------------------------- outage

    @callback
    def track(self, snapshot: GatewaySnapshot) -> None:
        """A new connection state after setup: start or end an outage."""
        if snapshot.state is ConnectionState.CONNECTED:
            self._came_back()
            return
        if snapshot.state is ConnectionState.DISCONNECTED:
            return  # stopped on purpose (Home Assistant shutting down, for one)
        self._went_offline()
        if snapshot.state is ConnectionState.WAITING:
            self._create_issue(
                ISSUE_WAITING,
                severity=ir.IssueSeverity.WARNING,
                until=iso_time(snapshot.waiting_until) or "?",
            )

    @callback
    def close(self) -> None:
        """The entry unloads: no watch left running, no stale waiting issue."""
        self.stop_offline_watch()
        self._delete_issue(ISSUE_WAITING)

    @callback
    def _went_offline(self) -> None:
        if self._offline_watch is None:
            LOGGER.debug("%s is offline; the client reconnects by itself", self._entry.title)
            self._offline_watch = self._entry.async_create_background_task(
                self._hass,
                self._async_offline_watch(),
                f"{DOMAIN} offline watch {self._entry.entry_id}",
            )

    @callback
    def _came_back(self) -> None:
        self._delete_issue(ISSUE_WAITING)
        self._delete_issue(ISSUE_INTENTS)
        self._delete_issue(ISSUE_FATAL)
        if self._offline_watch is None:
            return
        self.stop_offline_watch()
        if self._offline_warned:
            self._offline_warned = False
            LOGGER.info("%s is connected to Discord again", self._entry.title)
        else:
            LOGGER.debug("%s is connected to Discord again", self._entry.title)

    async def _async_offline_watch(self) -> None:
        """One WARNING once an outage has lasted OFFLINE_WARNING_AFTER on the client's clock."""
        after = offline_warning_after()
        await self._clock.sleep(after)
        self._offline_warned = True
        LOGGER.warning(
            "%s has been offline for %d minutes (%s); still retrying in the background",
            self._entry.title,
            after // 60,
            self._describe_state(),
        )

    @callback
    def stop_offline_watch(self) -> None:
        """End the outage's watch (its WARNING never comes)."""
        if self._offline_watch is not None:
            self._offline_watch.cancel()
            self._offline_watch = None

    # ----------------------------------------------------------------- issues

    def _issue_id(self, kind: str) -> str:
        return f"{kind}_{self._entry.entry_id}"

    @callback
    def _create_intents_issue(self) -> None:
        self._create_issue(ISSUE_INTENTS, portal_url=DEVELOPER_PORTAL_URL)

    @callback
    def _create_issue(
        self,
        kind: str,
        *,
        severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
        translation_key: str | None = None,
        learn_more_url: str = DEVELOPER_PORTAL_URL,
        **placeholders: str,
    ) -> None:
        """A repair issue of this entry; only for what the user should know about.

        One issue id per `kind`; `translation_key` words it (default: the kind).
        """
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id(kind),
            is_fixable=False,
            severity=severity,
            translation_key=translation_key or kind,
            translation_placeholders={"name": self._entry.title, **placeholders},
            learn_more_url=learn_more_url,
        )

    @callback
    def _delete_issue(self, kind: str) -> None:
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id(kind))
