"""The coordinator: owns one account's gateway client and turns its events into HA state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryError,
    ConfigEntryNotReady,
    ServiceValidationError,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from . import const
from .const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DEFAULT_REASSERT_INTERVAL,
    DEVELOPER_PORTAL_URL,
    DOMAIN,
    ISSUE_FATAL,
    ISSUE_INTENTS,
    LOGGER,
    STORAGE_SAVE_DELAY,
    STORAGE_VERSION,
)
from .gateway import (
    ActivityType,
    AuthenticationFailed,
    ConnectionState,
    Dialect,
    DisallowedIntents,
    FatalGatewayError,
    GatewayClient,
    GatewaySnapshot,
    InvalidIntents,
    Presence,
    PresenceError,
)

if TYPE_CHECKING:
    from .gateway.clock import Clock

type DiscordPresenceConfigEntry = ConfigEntry[DiscordPresenceData]


@dataclass
class DiscordPresenceData:
    """What a loaded entry keeps at runtime."""

    coordinator: DiscordPresenceCoordinator


def client_clock() -> Clock | None:
    """The clock handed to the gateway client; None = the system clock.

    A seam for tests, which return a ManualClock to drive backoff and
    heartbeats on virtual time.
    """
    return None


def _store_key(entry_id: str) -> str:
    return f"{DOMAIN}.{entry_id}"


def presence_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The store that keeps an entry's wanted presence across restarts."""
    return Store(hass, STORAGE_VERSION, _store_key(entry_id))


class DiscordPresenceCoordinator(DataUpdateCoordinator[GatewaySnapshot]):
    """Push coordinator for one Discord account."""

    config_entry: DiscordPresenceConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: DiscordPresenceConfigEntry,
        *,
        store: Store[dict[str, Any]],
        presence: Presence,
        activity_type: ActivityType,
    ) -> None:
        """Create the client with the stored presence; nothing connects yet."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=None,
        )
        self.options_at_setup = dict(entry.options)
        reassert_minutes = entry.options.get(CONF_REASSERT_INTERVAL, DEFAULT_REASSERT_INTERVAL)
        dialect = Dialect(entry.data[CONF_PROTOCOL])
        try:
            self.client = self._create_client(entry, dialect, presence, reassert_minutes)
        except PresenceError:
            # Stored under another protocol (e.g. "dnd" before switching to legacy).
            LOGGER.warning(
                "The stored presence of %s cannot be expressed by the %s protocol; "
                "starting from online",
                entry.title,
                dialect,
            )
            self.client = self._create_client(entry, dialect, Presence(), reassert_minutes)
        self.data = self.client.snapshot()
        self.activity_type = activity_type
        self._store = store
        self._save_pending = False
        self._run_task: asyncio.Task[None] | None = None
        self._unsubscribe_client: Any = None
        self._started = False  # READY seen during setup: later failures are ours to handle
        self._closing = False
        self._connection_lost = False
        self.failure: FatalGatewayError | None = None

    def _create_client(
        self,
        entry: DiscordPresenceConfigEntry,
        dialect: Dialect,
        presence: Presence,
        reassert_minutes: float,
    ) -> GatewayClient:
        return GatewayClient(
            async_get_clientsession(self.hass),
            entry.data[CONF_TOKEN],
            api_url=entry.data[CONF_API_URL],
            dialect=dialect,
            presence=presence,
            reassert_interval=float(reassert_minutes) * 60,
            clock=client_clock(),
        )

    async def _async_update_data(self) -> GatewaySnapshot:
        """A refresh (e.g. homeassistant.update_entity) re-reads the pushed state."""
        return self.client.snapshot()

    @property
    def user_id(self) -> str:
        """The Discord user id of the account (the entry's unique id)."""
        assert self.config_entry.unique_id is not None
        return self.config_entry.unique_id

    @property
    def dialect(self) -> Dialect:
        """The protocol the client speaks."""
        return self.client.dialect

    @property
    def presence(self) -> Presence:
        """The wanted presence."""
        return self.client.presence

    async def async_start(self) -> None:
        """Connect and wait (bounded) for READY; raise the matching setup error."""
        self._unsubscribe_client = self.client.add_listener(self._handle_client_change)
        self._run_task = self.config_entry.async_create_background_task(
            self.hass, self._async_run(), f"{DOMAIN} gateway {self.config_entry.entry_id}"
        )
        try:
            async with asyncio.timeout(const.SETUP_TIMEOUT):
                await self.client.wait_until_ready()
        except TimeoutError as err:
            await self.async_close()
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="setup_timeout",
                translation_placeholders={"timeout": str(int(const.SETUP_TIMEOUT))},
            ) from err
        except AuthenticationFailed as err:
            await self.async_close()
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except (InvalidIntents, DisallowedIntents) as err:
            await self.async_close()
            self._create_intents_issue()
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="disallowed_intents",
                translation_placeholders={"portal_url": DEVELOPER_PORTAL_URL},
            ) from err
        except FatalGatewayError as err:
            await self.async_close()
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="fatal_error",
                translation_placeholders={"error": type(err).__name__, "code": str(err.close_code)},
            ) from err
        self._started = True
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(ISSUE_INTENTS))
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(ISSUE_FATAL))
        self.async_set_updated_data(self.client.snapshot())

    async def _async_run(self) -> None:
        """Keep the connection up until close(); handle the client giving up."""
        try:
            await self.client.run()
        except AuthenticationFailed as err:
            if self._started:
                self._failed(err)
                LOGGER.warning(
                    "Discord rejected the token of %s; re-authentication is needed",
                    self.config_entry.title,
                )
                self.config_entry.async_start_reauth(self.hass)
        except (InvalidIntents, DisallowedIntents) as err:
            if self._started:
                self._failed(err)
                self._create_intents_issue()
        except FatalGatewayError as err:
            if self._started:
                self._failed(err)
                LOGGER.error(
                    "Discord closed the connection of %s for good: %s (close code %s)",
                    self.config_entry.title,
                    type(err).__name__,
                    err.close_code,
                )
                self._create_issue(ISSUE_FATAL, error=type(err).__name__, code=str(err.close_code))

    @callback
    def _failed(self, err: FatalGatewayError) -> None:
        self.failure = err
        self.async_set_updated_data(self.client.snapshot())

    def _issue_id(self, kind: str) -> str:
        return f"{kind}_{self.config_entry.entry_id}"

    @callback
    def _create_intents_issue(self) -> None:
        self._create_issue(ISSUE_INTENTS, portal_url=DEVELOPER_PORTAL_URL)

    @callback
    def _create_issue(self, kind: str, **placeholders: str) -> None:
        """A repair issue of this entry; only for what the user can act on."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(kind),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=kind,
            translation_placeholders={"name": self.config_entry.title, **placeholders},
            learn_more_url=DEVELOPER_PORTAL_URL,
        )

    @callback
    def _handle_client_change(self) -> None:
        """The client saw a change: publish it and log connection loss once."""
        snapshot = self.client.snapshot()
        if not self._closing and self._started:
            if snapshot.state is ConnectionState.CONNECTED:
                if self._connection_lost:
                    self._connection_lost = False
                    LOGGER.info("Connection to Discord for %s is back", self.config_entry.title)
            elif not self._connection_lost and snapshot.state is ConnectionState.RECONNECTING:
                # Only a reconnect is a loss: DISCONNECTED means the client was
                # stopped on purpose (Home Assistant shutting down, for one).
                self._connection_lost = True
                LOGGER.warning(
                    "Lost the connection to Discord for %s; reconnecting", self.config_entry.title
                )
        self.async_set_updated_data(snapshot)

    @property
    def connection_state(self) -> str:
        """The connection sensor's state."""
        if self.failure is not None or self.data.state is ConnectionState.FAILED:
            return const.STATE_ERROR
        return {
            ConnectionState.CONNECTING: const.STATE_CONNECTING,
            ConnectionState.CONNECTED: const.STATE_CONNECTED,
            ConnectionState.RECONNECTING: const.STATE_RECONNECTING,
            ConnectionState.DISCONNECTED: const.STATE_DISCONNECTED,
        }[self.data.state]

    @callback
    def async_set_presence(
        self, presence: Presence, *, activity_type: ActivityType | None = None
    ) -> None:
        """Make `presence` the wanted presence (sent now, or on reconnect) and store it.

        Raises a translated ServiceValidationError when the presence cannot be
        expressed (for example by the legacy protocol).
        """
        try:
            self.client.update_presence(presence)
        except PresenceError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key=err.reason,
                translation_placeholders={"max": str(const.MAX_TEXT_LENGTH)},
            ) from err
        if activity_type is not None:
            self.activity_type = activity_type
        elif presence.activity is not None:
            self.activity_type = presence.activity.type
        self._schedule_save()
        self.async_set_updated_data(self.client.snapshot())

    @callback
    def async_set_activity_type(self, activity_type: ActivityType) -> None:
        """Remember the activity type used when an activity is next set."""
        self.activity_type = activity_type
        self._schedule_save()
        self.async_update_listeners()

    def _data_to_store(self) -> dict[str, Any]:
        return {
            "presence": self.client.presence.as_dict(),
            "activity_type": int(self.activity_type),
        }

    @callback
    def _schedule_save(self) -> None:
        self._save_pending = True
        self._store.async_delay_save(self._data_to_store, STORAGE_SAVE_DELAY)

    async def async_close(self) -> None:
        """Close the session (close code 1000), stop the run task, flush the store."""
        self._closing = True
        if self._unsubscribe_client is not None:
            self._unsubscribe_client()
            self._unsubscribe_client = None
        await self.client.close()
        if self._run_task is not None:
            await asyncio.gather(self._run_task, return_exceptions=True)
            self._run_task = None
        if self._save_pending:
            # Writes now and cancels the delayed save: no timer is left behind.
            self._save_pending = False
            await self._store.async_save(self._data_to_store())
