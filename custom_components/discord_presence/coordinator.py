"""The coordinator: owns one account's gateway client and turns its events into HA state.

It sets the client up (the token checked over REST, the first outcome awaited),
publishes the client's snapshots to the entities, takes the wanted presence
from actions and controls and stores it. What the user is told about outages
and failures lives in health.py; what is stored, in storage.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    ServiceValidationError,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .const import (
    CONF_API_URL,
    CONF_PROTOCOL,
    CONF_REASSERT_INTERVAL,
    DEFAULT_REASSERT_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_TEXT_LENGTH,
    STATE_CONNECTED,
    STATE_CONNECTING,
    STATE_DISCONNECTED,
    STATE_ERROR,
    STATE_RECONNECTING,
    STATE_WAITING,
    STORAGE_SAVE_DELAY,
    setup_rest_timeout,
    setup_wait,
)
from .gateway import (
    ActivityType,
    AuthenticationFailed,
    ConnectionState,
    Dialect,
    FatalGatewayError,
    GatewayClient,
    GatewaySnapshot,
    GatewayUnavailable,
    IdentifyLedger,
    Presence,
    PresenceError,
    Status,
    SystemClock,
    fetch_current_user,
)
from .health import ConnectionHealth
from .helpers import api_host, iso_time, latency_ms, now_ms, with_status
from .storage import RESTORABLE_STATUSES, Stored, to_store

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.helpers.storage import Store

    from .gateway import Clock

type DiscordPresenceConfigEntry = ConfigEntry[DiscordPresenceData]

# The states in which setup stops waiting: the outcome is known.
_SETTLED = frozenset({ConnectionState.CONNECTED, ConnectionState.WAITING, ConnectionState.FAILED})


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


class DiscordPresenceCoordinator(DataUpdateCoordinator[GatewaySnapshot]):
    """Push coordinator for one Discord account."""

    config_entry: DiscordPresenceConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: DiscordPresenceConfigEntry,
        *,
        store: Store[dict[str, Any]],
        stored: Stored,
        ledger: IdentifyLedger,
    ) -> None:
        """Create the client with the stored presence; nothing connects yet."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=None,
        )
        self._clock: Clock = client_clock() or SystemClock()
        self._ledger = ledger
        reassert_minutes = entry.options.get(CONF_REASSERT_INTERVAL, DEFAULT_REASSERT_INTERVAL)
        dialect = Dialect(entry.data[CONF_PROTOCOL])
        try:
            self.client = self._create_client(entry, dialect, stored.presence, reassert_minutes)
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
        self.activity_type = stored.activity_type
        # The status set_idle(false) returns to: the one the bot had before it went idle.
        self.status_before_idle = stored.status_before_idle
        if dialect is Dialect.LEGACY:
            self.status_before_idle = Status.ONLINE  # all legacy knows besides idle
        # The stream URL used whenever the activity is Streaming (kept while it is not).
        self.stream_url = stored.stream_url
        self._store = store
        self._save_pending = False
        self._run_task: asyncio.Task[None] | None = None
        self._unsubscribers: list[Callable[[], None]] = []
        self._settled = asyncio.Event()
        self._setup_done = False  # from here on, failures are handled at runtime
        self._last_seen: tuple[ConnectionState, float | None] = (self.data.state, None)
        self._closing = False
        self._health = ConnectionHealth(hass, entry, self._clock, lambda: self.connection_state)
        self.failure: FatalGatewayError | None = None
        self._run_error: FatalGatewayError | None = None

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
            clock=self._clock,
            identify_ledger=self._ledger,
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

    # ------------------------------------------------------------------ setup

    async def async_start(self) -> None:
        """Check the token over REST, start the client, wait briefly for the outcome.

        Raises the matching setup error. Nothing is left running when it raises.
        """
        entry = self.config_entry
        try:
            await fetch_current_user(
                async_get_clientsession(self.hass),
                entry.data[CONF_TOKEN],
                api_url=entry.data[CONF_API_URL],
                timeout=setup_rest_timeout(),
                clock=self._clock,
            )
        except AuthenticationFailed as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except GatewayUnavailable as err:
            # The detail (an HTTP status, a timeout, a network error's class) is for the log.
            LOGGER.debug("Setup of %s: %s", entry.title, err)
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="api_unreachable",
                translation_placeholders={"host": api_host(entry.data[CONF_API_URL])},
            ) from err

        self._unsubscribers.append(self.client.add_listener(self._handle_client_change))
        self._unsubscribers.append(self._ledger.add_listener(self._schedule_save))
        self._run_task = entry.async_create_background_task(
            self.hass, self._async_run(), f"{DOMAIN} gateway {entry.entry_id}"
        )
        self._run_task.add_done_callback(lambda _task: self._settled.set())
        wait = setup_wait()
        try:
            async with asyncio.timeout(wait):
                await self._settled.wait()
        except TimeoutError:
            LOGGER.debug("%s is still connecting after %s s; finishing setup", entry.title, wait)
        snapshot = self.client.snapshot()
        if snapshot.state is ConnectionState.WAITING:
            await self.async_close()
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="identify_budget",
                translation_placeholders={"until": iso_time(snapshot.waiting_until) or "?"},
            )
        if (failure := snapshot.failure or self._run_error) is not None:
            await self.async_close()
            raise self._health.setup_error(failure)
        if self._run_task.done():
            # run() ended without a fatal error it could name: try again later.
            await self.async_close()
            raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="client_stopped")
        self._setup_done = True
        self._last_seen = (snapshot.state, snapshot.waiting_until)
        self._health.track(snapshot)
        self.async_set_updated_data(snapshot)

    async def _async_run(self) -> None:
        """Keep the connection up until close(); handle the client giving up for good."""
        try:
            await self.client.run()
        except FatalGatewayError as err:
            self._run_error = err
            # During setup async_start turns it into the setup error.
            if self._setup_done and not self._closing:
                self._failed(err)

    # ---------------------------------------------------------------- failure

    @callback
    def _failed(self, err: FatalGatewayError) -> None:
        """A permanent refusal: one ERROR, a way out for the user, controls unavailable."""
        self.failure = err
        self._health.failed(err)
        self.async_set_updated_data(self.client.snapshot())

    def raise_if_failed(self) -> None:
        """Refuse a change that can never be sent: say why and what to do."""
        if self.failure is not None:
            raise self._health.refusal(self.failure)

    # ------------------------------------------------------- connection state

    @callback
    def _handle_client_change(self) -> None:
        """The client saw a change: publish it; track outages for the log and issues."""
        snapshot = self.client.snapshot()
        if snapshot.state in _SETTLED:
            self._settled.set()
        previous, self._last_seen = self._last_seen, (snapshot.state, snapshot.waiting_until)
        if (
            self._setup_done
            and not self._closing
            and self.failure is None
            and self._last_seen != previous
        ):
            self._health.track(snapshot)
        if self._visible_change(self.data, snapshot):
            self.async_set_updated_data(snapshot)
        else:
            # Frame and ACK counters move on every heartbeat; nobody sees them
            # except diagnostics, which read self.data: keep it fresh, write nothing.
            self.data = snapshot

    def _visible_change(self, old: GatewaySnapshot, new: GatewaySnapshot) -> bool:
        """Whether an entity would show something else (each push rewrites every entity)."""
        if (
            old.state is not new.state
            or old.failure is not new.failure
            or old.user != new.user
            or old.presence != new.presence
            or old.presence_applied != new.presence_applied
            or old.applied != new.applied
            or old.applied_at != new.applied_at
            or old.waiting_until != new.waiting_until
            or old.stats.last_close_code != new.stats.last_close_code
        ):
            return True
        if latency_ms(old.latency) == latency_ms(new.latency):
            return False
        # The latency sensor is disabled by default: its changes matter only when it is live.
        entity_id = er.async_get(self.hass).async_get_entity_id(
            "sensor", DOMAIN, f"{self.user_id}_latency"
        )
        return entity_id is not None and self.hass.states.get(entity_id) is not None

    @property
    def connection_state(self) -> str:
        """The connection sensor's state."""
        if self.failure is not None or self.data.state is ConnectionState.FAILED:
            return STATE_ERROR
        return {
            ConnectionState.CONNECTING: STATE_CONNECTING,
            ConnectionState.CONNECTED: STATE_CONNECTED,
            ConnectionState.RECONNECTING: STATE_RECONNECTING,
            ConnectionState.WAITING: STATE_WAITING,
            ConnectionState.DISCONNECTED: STATE_DISCONNECTED,
        }[self.data.state]

    @property
    def waiting_until(self) -> str | None:
        """While waiting for the identify budget: until when (ISO 8601)."""
        if self.data.state is not ConnectionState.WAITING:
            return None
        return iso_time(self.data.waiting_until)

    @property
    def identifies_last_24h(self) -> int:
        """IDENTIFY payloads sent with this account in the last 24 hours (for diagnostics)."""
        return self._ledger.count(self._clock.time())

    # --------------------------------------------------------------- presence

    @callback
    def async_set_presence(
        self, presence: Presence, *, activity_type: ActivityType | None = None
    ) -> None:
        """Make `presence` the wanted presence (sent now, or on reconnect) and store it.

        Raises a translated ServiceValidationError when the presence cannot be
        expressed (for example by the legacy protocol), and a translated
        HomeAssistantError after a permanent failure (nothing could be sent).
        """
        self.raise_if_failed()
        previous = self.client.presence
        try:
            self.client.update_presence(presence)
        except PresenceError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key=err.reason,
                translation_placeholders={"max": str(MAX_TEXT_LENGTH)},
            ) from err
        if activity_type is not None:
            self.activity_type = activity_type
        elif presence.activity is not None:
            self.activity_type = presence.activity.type
        self._remember(previous, presence)
        self._schedule_save()
        self.async_set_updated_data(self.client.snapshot())

    def _remember(self, previous: Presence, presence: Presence) -> None:
        """Keep what a later change returns to: the status before idle, the stream URL."""
        if (
            presence.status is Status.IDLE
            and previous.status is not Status.IDLE
            and previous.status in RESTORABLE_STATUSES
        ):
            self.status_before_idle = previous.status
        activity = presence.activity
        if activity is not None and activity.url is not None:
            self.stream_url = activity.url

    @callback
    def async_set_status(self, status: Status) -> None:
        """Change the wanted status by the one rule for idle (see helpers.with_status)."""
        self.async_set_presence(with_status(self.presence, status, now_ms()))

    @callback
    def async_set_idle(self, idle: bool) -> None:
        """Go idle, or return from idle to the status the bot had before it.

        Not idle and asked not to be: nothing changes (a dnd chosen by hand
        stays dnd).
        """
        self.raise_if_failed()
        if idle:
            self.async_set_status(Status.IDLE)
        elif self.presence.status is Status.IDLE:
            self.async_set_status(self.status_before_idle)

    @callback
    def async_set_stream_url(self, url: str | None) -> None:
        """Remember the stream URL; a streaming activity shows it at once."""
        self.raise_if_failed()
        activity = self.presence.activity
        if activity is not None and activity.type is ActivityType.STREAMING:
            self.async_set_presence(replace(self.presence, activity=replace(activity, url=url)))
        self.stream_url = url
        self._schedule_save()
        self.async_update_listeners()

    @callback
    def async_set_activity_type(self, activity_type: ActivityType) -> None:
        """Remember the activity type used when an activity is next set."""
        self.raise_if_failed()
        self.activity_type = activity_type
        self._schedule_save()
        self.async_update_listeners()

    def _data_to_store(self) -> dict[str, Any]:
        return to_store(
            self.client.presence,
            self.activity_type,
            self._ledger,
            status_before_idle=self.status_before_idle,
            stream_url=self.stream_url,
        )

    @callback
    def _schedule_save(self) -> None:
        self._save_pending = True
        self._store.async_delay_save(self._data_to_store, STORAGE_SAVE_DELAY)

    # ---------------------------------------------------------------- closing

    async def async_close(self) -> None:
        """Close the session (close code 1000), stop every task, flush the store."""
        self._closing = True
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        self._health.close()
        await self.client.close()
        if self._run_task is not None:
            await asyncio.gather(self._run_task, return_exceptions=True)
            self._run_task = None
        if self._save_pending:
            # Writes now and cancels the delayed save: no timer is left behind.
            self._save_pending = False
            await self._store.async_save(self._data_to_store())
