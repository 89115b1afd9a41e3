"""One gateway websocket: framing, limits, heartbeat watchdog, outgoing queue, faults.

Dialect-specific behaviour (what each opcode means) lives in the subclasses
in ``v10.py`` and ``legacy.py``; this class owns what both share.
It sees the rest of the simulator only through ``ConnectionHost`` (``host.py``),
which the hub that owns it provides.

Limits, as Discord documents them, applied per connection:
- at most 120 received frames in any rolling 60 s window; the 121st closes 4008;
- at most 5 presence updates in any rolling 20 s window; the 6th closes 4008
  (the simulator chooses to close rather than silently drop, so a client that
  overruns the limit fails loudly; the rejected update is not recorded as a
  presence, only in ``received``);
- frames over 4096 bytes close 4002, as does anything that is not a JSON
  object with an integer ``op``;
- no heartbeat for 1.5 x heartbeat_interval (on the injected clock) closes 4009.

``blackhole()`` turns a connection into a half-open link: nothing is read or
written any more and the watchdog stops, but the socket stays open until the
client goes away or the simulator stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from asyncio import FIRST_COMPLETED
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from aiohttp import WSMsgType, web

from simulator.compression import Encoder, garbage
from simulator.protocols import Blackhole
from simulator.validation import is_int, resume_problem

if TYPE_CHECKING:
    from asyncio import Transport

    from simulator.accounts import Account
    from simulator.host import ConnectionHost
    from simulator.records import ConnectionRecord
    from simulator.sessions import Session

MAX_FRAME_BYTES = 4096
RATE_LIMIT = 120
RATE_WINDOW = 60.0
PRESENCE_LIMIT = 5
PRESENCE_WINDOW = 20.0
HEARTBEAT_GRACE = 1.5
#: Server close codes after which Discord's session is gone (new session needed).
SESSION_ENDING_CODES = frozenset({4003, 4004, 4005, 4007, 4009, 4010, 4011, 4012, 4013, 4014})
#: Client close codes that end the session (the bot goes offline).
CLIENT_ENDING_CODES = frozenset({1000, 1001})

log = logging.getLogger("simulator")


class Reject(Exception):
    """A protocol violation: the connection closes with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def envelope(op: int, d: Any) -> dict[str, Any]:
    return {"op": op, "d": d, "s": None, "t": None}


@dataclass
class _Outgoing:
    due: float
    data: str | bytes | None = None
    frame: dict[str, Any] | None = None
    close_code: int | None = None
    #: ``send_raw``: the payload as given (recorded once written), and the frame type.
    raw: str | bytes | None = None
    binary: bool = False


class GatewayConnection:
    """Shared machinery; subclasses implement ``on_open`` and ``handle``."""

    dialect: ClassVar[Literal["v10", "legacy"]]

    def __init__(
        self,
        host: ConnectionHost,
        *,
        ws: web.WebSocketResponse,
        transport: Transport | None,
        record: ConnectionRecord,
        encoder: Encoder,
        query: dict[str, str],
    ) -> None:
        self.host = host
        self.ws = ws
        self.record = record
        self.encoder = encoder
        self.query = query
        self.session: Session | None = None
        self.authenticated = False
        self.withhold_acks = False
        self.delay = 0.0
        self._transport = transport
        self._closing = False
        self._queue: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._frames: deque[float] = deque()
        self._presence_times: deque[float] = deque()
        self._last_heartbeat = 0.0
        self._watchdog: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._reading: asyncio.Task[None] | None = None
        #: Set once a blackholed connection's client goes away.
        self._lost: asyncio.Future[None] | None = None

    # -- life cycle -------------------------------------------------------
    async def run(self) -> None:
        """Serve the socket until it closes, whoever closes it.

        Reading and writing run as two tasks. A server-side close stops the
        reader first, so aiohttp's close handshake (send our close frame, wait
        for the client's) runs with no concurrent ``receive()``: the client
        sees a clean close with our code.
        """
        self._reading = asyncio.create_task(self._read_loop())
        self._writer = asyncio.create_task(self._write_loop())
        try:
            self.on_open()
            await asyncio.wait({self._reading, self._writer}, return_when=FIRST_COMPLETED)
            if self._lost is not None:
                await self._lost  # blackholed: open until the client goes away
            elif self.record.closed_by == "server":
                await self._writer  # the close handshake
        finally:
            for task in (self._reading, self._writer, self._watchdog):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            self._finish()

    async def _read_loop(self) -> None:
        while True:
            msg = await self.ws.receive()
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                self._on_data(msg.data)
                continue
            if msg.type is WSMsgType.CLOSE and self.record.closed_by is None:
                self.record.closed_by = "client"
                self.record.close_code = int(msg.data)
                log.info("connection %d closed by client: %s", self.record.id, msg.data)
            return

    def _finish(self) -> None:
        if self.record.closed_by is None:
            self.record.closed_by = "drop"
        self.record.open = False
        self._settle_session()
        log.info("connection %d ended (%s)", self.record.id, self.record.closed_by)
        self.host.recorder.changed()

    def _settle_session(self) -> None:
        session = self.session
        if session is None:
            return
        code = self.record.close_code
        ends = (self.record.closed_by == "client" and code in CLIENT_ENDING_CODES) or (
            self.record.closed_by == "server" and code in SESSION_ENDING_CODES
        )
        if ends:
            self.host.sessions.end(session)
        else:
            self.host.sessions.detach(session, self.host.clock.monotonic())

    # -- dialect hooks ----------------------------------------------------
    def on_open(self) -> None:
        raise NotImplementedError

    def handle(self, frame: dict[str, Any]) -> None:
        raise NotImplementedError

    def reconnect_frame(self) -> dict[str, Any]:
        raise NotImplementedError

    # -- receiving --------------------------------------------------------
    def _on_data(self, data: str | bytes) -> None:
        if self._closing:
            return
        now = self.host.clock.monotonic()
        self._frames.append(now)
        while self._frames[0] <= now - RATE_WINDOW:
            self._frames.popleft()
        try:
            if len(self._frames) > RATE_LIMIT:
                raise Reject(4008, "rate limited")
            raw = data.encode() if isinstance(data, str) else data
            if len(raw) > MAX_FRAME_BYTES:
                raise Reject(4002, "payload too large")
            try:
                frame = json.loads(raw)
            except ValueError:
                raise Reject(4002, "decode error") from None
            if not isinstance(frame, dict) or not is_int(frame.get("op")):
                raise Reject(4002, "decode error: not a gateway payload")
            self.record.received.append(frame)
            self.host.recorder.changed()
            self.handle(frame)
        except Reject as exc:
            self.close(exc.code, exc.reason)

    def note_heartbeat(self, d: Any) -> None:
        now = self.host.clock.monotonic()
        self._last_heartbeat = now
        self.record.heartbeats.append((now, d))
        self.host.recorder.changed()

    def take_presence_slot(self) -> None:
        """Count one presence update against the 5-per-20 s budget, or reject."""
        now = self.host.clock.monotonic()
        times = self._presence_times
        while times and times[0] <= now - PRESENCE_WINDOW:
            times.popleft()
        if len(times) >= PRESENCE_LIMIT:
            raise Reject(4008, "presence updates rate limited")
        times.append(now)

    def note_presence(self, d: dict[str, Any], description: str) -> None:
        assert self.record.token is not None
        self.record.presences.append((self.host.clock.monotonic(), d))
        self.host.recorder.presences.append(d)
        self.host.current_presence[self.record.token] = d
        log.info("presence <- %s (connection %d)", description, self.record.id)
        self.host.recorder.changed()

    # -- identify ---------------------------------------------------------
    def note_identify(self, d: Any) -> None:
        """Record an identify attempt; refuse a second one on this connection."""
        if isinstance(d, dict):
            self.record.identifies.append(d)
            self.host.recorder.changed()
        if self.authenticated:
            raise Reject(4005, "already authenticated")

    @staticmethod
    def spend_session_start(account: Account) -> None:
        """Take one session start from the account's daily budget."""
        if account.session_start_remaining <= 0:
            # Discord resets a token that exhausts its identify budget.
            account.revoked = True
            raise Reject(4004, "identify budget exhausted: token reset")
        account.session_start_remaining -= 1

    # -- sessions ---------------------------------------------------------
    def begin_session(self, token: str) -> Session:
        session = self.host.sessions.create(token, self.dialect)
        self._attach(session)
        return session

    def resume(self, d: Any) -> bool:
        """Handle op 6; True when the session was resumed and replayed.

        Unknown or expired session: op 9 ``false`` (the connection stays open
        for an IDENTIFY). A ``seq`` beyond the last dispatch closes 4007.
        """
        if isinstance(d, dict):
            self.record.resumes.append(d)
            self.host.recorder.changed()
        if self.authenticated:
            raise Reject(4005, "already authenticated")
        problem = resume_problem(d)
        if problem:
            raise Reject(4002, problem)
        if self.host.accounts.get(d["token"]) is None:
            raise Reject(self.host.bad_token_close_code, "authentication failed")
        now = self.host.clock.monotonic()
        session = self.host.sessions.find(d["session_id"], d["token"], self.dialect, now)
        if session is None:
            log.info("resume: connection %d, unknown session -> op 9", self.record.id)
            self.send(envelope(9, False))
            return False
        seq = d.get("seq") or 0
        if seq > session.seq:
            self.host.sessions.end(session)
            raise Reject(4007, "invalid seq")
        log.info("resume: connection %d session %s from seq %d", self.record.id, session.id, seq)
        self._resume_session(session, seq)
        return True

    def _resume_session(self, session: Session, seq: int) -> None:
        self.host.take_over(session, by=self)
        self._attach(session)
        for frame in session.after(seq):
            self.send(frame)

    def _attach(self, session: Session) -> None:
        session.expires_at = None
        self.session = session
        self.authenticated = True
        self.record.token = session.token
        self.record.session_id = session.id

    def dispatch(self, event: str, data: Any) -> None:
        assert self.session is not None
        self.send(self.session.next_dispatch(event, data))

    def dispatch_ready(self, ready: dict[str, Any]) -> None:
        """READY, with whatever a test asked to add or override (``ready_extra``)."""
        self.dispatch("READY", {**ready, **(self.host.ready_extra or {})})

    def start_watchdog(self, interval: float) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._last_heartbeat = self.host.clock.monotonic()
        self._watchdog = asyncio.create_task(self._watch(interval * HEARTBEAT_GRACE))

    async def _watch(self, limit: float) -> None:
        clock = self.host.clock
        while True:
            remaining = self._last_heartbeat + limit - clock.monotonic()
            if remaining <= 0:
                self.close(4009, "session timed out: no heartbeat")
                return
            await clock.sleep(remaining)

    # -- sending ----------------------------------------------------------
    def send(self, frame: dict[str, Any]) -> None:
        text = json.dumps(frame, separators=(",", ":"))
        data = self.encoder.encode(text, op=frame["op"])
        self._queue.put_nowait(_Outgoing(self._due(), data=data, frame=frame))

    def send_raw(self, payload: str | bytes, *, binary: bool, encode: bool) -> None:
        """Queue one frame holding exactly ``payload``.

        ``encode`` runs it through this connection's transport compression
        first. The frame is binary when ``binary`` is set or the data is bytes.
        """
        data = self.encoder.encode(payload, op=_op_of(payload)) if encode else payload
        binary = binary or isinstance(data, bytes)
        self._queue.put_nowait(_Outgoing(self._due(), data=data, raw=payload, binary=binary))

    def close(self, code: int, reason: str = "") -> None:
        """Close from the server side (after any frames already queued)."""
        if self._closing:
            return
        self._closing = True
        log.info("connection %d closing %d %s", self.record.id, code, reason)
        self._queue.put_nowait(_Outgoing(self._due(), close_code=code))

    def _due(self) -> float:
        return self.host.clock.monotonic() + self.delay

    async def _write_loop(self) -> None:
        clock = self.host.clock
        while True:
            item = await self._queue.get()
            wait = item.due - clock.monotonic()
            if wait > 0:
                await clock.sleep(wait)
            if self.ws.closed:
                return
            if item.close_code is not None:
                self.record.closed_by = "server"
                self.record.close_code = item.close_code
                self.host.recorder.changed()
                reading = self._reading
                assert reading is not None
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading
                await self.ws.close(code=item.close_code)
                return
            assert item.data is not None
            try:
                if isinstance(item.data, str) and not item.binary:
                    await self.ws.send_str(item.data)
                else:
                    data = item.data.encode() if isinstance(item.data, str) else item.data
                    await self.ws.send_bytes(data)
            except ConnectionError:
                return
            if item.frame is not None:
                self.record.sent.append(item.frame)
                self.host.recorder.changed()
            elif item.raw is not None:
                self.record.raw_sent.append(item.raw)
                self.host.recorder.changed()

    # -- faults -----------------------------------------------------------
    def drop(self) -> None:
        """Abort the TCP connection: no close frame either way."""
        self._closing = True
        if self.record.closed_by is None:
            self.record.closed_by = "drop"
        if self._transport is not None:
            self._transport.abort()

    def blackhole(self) -> None:
        """Go deaf and mute without closing: a half-open link from the client's side.

        aiohttp answers a websocket PING only inside ``receive()``, and parses
        frames only from what its protocol is fed, so swallowing the bytes in
        front of it leaves the client without pongs, ACKs or a close reply.
        """
        transport = self._transport
        if self._closing or transport is None or transport.is_closing():
            raise LookupError(f"connection {self.record.id} is closing")
        self._closing = True
        self._lost = asyncio.get_running_loop().create_future()
        transport.set_protocol(
            Blackhole(transport.get_protocol(), on_discard=self._discarded, on_lost=self._gone)
        )
        for task in (self._reading, self._writer, self._watchdog):
            if task is not None:
                task.cancel()
        self.record.blackholed_at = self.host.clock.monotonic()
        log.info("connection %d blackholed", self.record.id)
        self.host.recorder.changed()

    def _discarded(self, size: int) -> None:
        self.record.discarded_bytes += size
        self.host.recorder.changed()

    def _gone(self) -> None:
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)

    def reconnect(self) -> None:
        self.send(self.reconnect_frame())

    def invalid_session(self, resumable: bool) -> None:
        self.send(envelope(9, resumable))
        self.authenticated = False
        session, self.session = self.session, None
        if session is not None:
            if resumable:
                self.host.sessions.detach(session, self.host.clock.monotonic())
            else:
                self.host.sessions.end(session)

    def request_heartbeat(self) -> None:
        self.send(envelope(1, None))

    def send_garbage(self) -> None:
        self._queue.put_nowait(_Outgoing(self._due(), data=garbage(self.encoder)))


def _op_of(payload: str | bytes) -> int:
    """The op a raw payload claims, for encoders that treat dispatches apart (0 if none)."""
    try:
        frame = json.loads(payload)
    except (ValueError, RecursionError):
        return 0
    op = frame.get("op") if isinstance(frame, dict) else None
    return op if isinstance(op, int) and not isinstance(op, bool) else 0
