"""The fault catalogue: every fault the simulator offers, as soak steps.

Each entry says what it does to the target account's live connection (or to
the whole server), whether Discord's rules demand a new session afterwards
(per dialect), and whether the connection it hit must be gone before the
account counts as recovered. Faults that need a simulator feature this
checkout lacks are left out, and the report lists them.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

from custom_components.discord_presence.gateway import (
    AuthenticationFailed,
    DisallowedIntents,
    FatalGatewayError,
    InvalidApiVersion,
    InvalidIntents,
    InvalidShard,
    ShardingRequired,
)

if TYPE_CHECKING:
    from simulator import Simulator
    from simulator.records import ConnectionRecord

#: Codes after which the simulator ends the session (Discord's "new session" codes).
NEW_SESSION_CODES: Final = frozenset({4003, 4005, 4007, 4009})
#: Every close code a server may send that does not end the client for good.
NON_FATAL_CODES: Final = (1000, 1001, 1011, 1012, 4000, 4001, 4002, 4003, 4005, 4007, 4008, 4009)
FATAL_CODES: Final[dict[int, type[FatalGatewayError]]] = {
    4004: AuthenticationFailed,
    4010: InvalidShard,
    4011: ShardingRequired,
    4012: InvalidApiVersion,
    4013: InvalidIntents,
    4014: DisallowedIntents,
}
#: A detached session lives this long in the simulator (its default session_ttl).
SESSION_TTL: Final = 120.0


class Scene(Protocol):
    """What a fault may touch: the simulator, virtual time, the target account."""

    sim: Simulator

    def live(self, token: str) -> ConnectionRecord | None:
        """The newest open connection of ``token``, if any."""
        ...

    async def run_for(self, seconds: float) -> None:
        """Let virtual time pass, every sleeper waking on its own deadline."""
        ...


@dataclass(frozen=True, slots=True)
class Hit:
    """What a fault did: the connection it hit (None for the whole server)."""

    connection: int | None


_Apply = Callable[["Scene", str, random.Random], Awaitable[Hit | None]]


@dataclass(frozen=True, slots=True)
class Fault:
    """One kind of fault."""

    kind: str
    apply: _Apply
    #: Discord demands a new session afterwards: (v10, legacy).
    new_session: tuple[bool, bool]
    #: The connection it hit must be closed before the account has recovered.
    replaces: tuple[bool, bool]
    scope: Literal["account", "server"] = "account"
    requires: tuple[str, ...] = ()
    v10_only: bool = False
    fatal: type[FatalGatewayError] | None = None
    #: A close code this fault sends itself (not the client's doing).
    close_code: int | None = None
    #: May come second, while the client recovers from another fault. Not a
    #: delay: it would overwrite a first delay on the same connection.
    second_ok: bool = True
    #: Undoes what is left of the fault after the recovery (failures a count
    #: did not use up), so it cannot leak into later steps.
    cleanup: Callable[[Simulator], Awaitable[None]] | None = None
    weight: float = 1.0

    def needs_new_session(self, *, legacy: bool) -> bool:
        return self.new_session[1] if legacy else self.new_session[0]

    def must_replace(self, *, legacy: bool) -> bool:
        return self.replaces[1] if legacy else self.replaces[0]


async def _call(sim: Simulator, name: str, *args: object, **kwargs: object) -> None:
    """Call a simulator fault that may be plain or async (the additions for issue 7
    are looked up by name: they may not exist in this checkout)."""
    result = getattr(sim, name)(*args, **kwargs)
    if inspect.isawaitable(result):
        await result


def _on_live(
    act: Callable[[Simulator, ConnectionRecord, random.Random], Awaitable[None]],
) -> _Apply:
    """A fault on the account's live connection; None when it has none."""

    async def apply(scene: Scene, token: str, rng: random.Random) -> Hit | None:
        record = scene.live(token)
        if record is None:
            return None
        try:
            await act(scene.sim, record, rng)
        except LookupError:
            # The connection is already closing (a second fault arriving late).
            return None
        return Hit(record.id)

    return apply


def _close(code: int) -> _Apply:
    async def act(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
        await sim.close(code, record)

    return _on_live(act)


async def _drop(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.drop(record)


async def _op7(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.reconnect(record)


async def _op9_true(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.invalid_session(True, record)


async def _op9_false(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.invalid_session(False, record)


async def _withhold(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.withhold_acks(True, record)


async def _beat_request(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.request_heartbeat(record)


async def _garbage(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.send_garbage(record)


async def _delay_short(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await sim.delay(rng.uniform(0.2, 10.0), record)


async def _delay_long(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    # Longer than a heartbeat interval: the ACK comes too late to count.
    await sim.delay(rng.uniform(60.0, 120.0), record)


async def _blackhole(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await _call(sim, "blackhole", record)


async def _unknown_op(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await _call(sim, "send_raw", '{"op":99,"d":null,"s":null,"t":null}', connection=record)


async def _refused_upgrades(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    await _call(sim, "refuse_gateway", 503, count=rng.randint(1, 4))
    await sim.drop(record)


async def _rest_outage(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    count = rng.randint(1, 3)
    await _call(sim, "fail_rest", "/gateway/bot", 503, count=count)
    await _call(sim, "fail_rest", "/gateway", 503, count=count)
    await sim.invalid_session(False, record)


async def _silent_after_drop(scene: Scene, token: str, rng: random.Random) -> Hit | None:
    """Upgrades are accepted at TCP level and never answered for a while."""
    record = scene.live(token)
    if record is None:
        return None
    await _call(scene.sim, "silent_gateway", True)
    await scene.sim.drop(record)
    await scene.run_for(rng.uniform(5.0, 60.0))
    await _call(scene.sim, "silent_gateway", False)
    return Hit(record.id)


async def _rest_hang(sim: Simulator, record: ConnectionRecord, rng: random.Random) -> None:
    # /gateway/bot never answers once: the client's own REST timeout must end the wait.
    await _call(sim, "fail_rest", "/gateway/bot", hang=True, count=1)
    await sim.invalid_session(False, record)


async def _clear_rest(sim: Simulator) -> None:
    await _call(sim, "clear_rest_failures")


async def _clear_refusals(sim: Simulator) -> None:
    await _call(sim, "refuse_gateway", None)


def _outage(low: float, high: float) -> _Apply:
    """The server goes away for a while (sockets dropped, port closed), then returns."""

    async def apply(scene: Scene, token: str, rng: random.Random) -> Hit | None:
        await scene.sim.stop()
        await scene.run_for(rng.uniform(low, high))
        await scene.sim.start()
        return Hit(None)

    return apply


async def _restart_forgetting(scene: Scene, token: str, rng: random.Random) -> Hit | None:
    await _call(scene.sim, "restart", forget_sessions=True)
    return Hit(None)


async def _forget_sessions(scene: Scene, token: str, rng: random.Random) -> Hit | None:
    # A drop right after, so the client has to try resuming a session the server forgot.
    await _call(scene.sim, "forget_sessions")
    record = scene.live(token)
    if record is None:
        return Hit(None)
    await scene.sim.drop(record)
    return Hit(record.id)


_BOTH = (True, True)
_NEITHER = (False, False)
_LEGACY_ONLY = (False, True)


def catalogue(*, fatal: bool) -> list[Fault]:
    """Every fault kind, fatal close codes only when asked for."""
    faults = [
        Fault("drop (no close frame)", _on_live(_drop), _LEGACY_ONLY, _BOTH, weight=3),
        *(
            Fault(
                f"close {code}",
                _close(code),
                (code in NEW_SESSION_CODES, True),
                _BOTH,
                close_code=code,
                weight=0.5,
            )
            for code in NON_FATAL_CODES
        ),
        Fault("op 7 reconnect", _on_live(_op7), _LEGACY_ONLY, _BOTH, weight=2),
        Fault("op 9 true", _on_live(_op9_true), _LEGACY_ONLY, _BOTH, weight=1.5),
        Fault("op 9 false", _on_live(_op9_false), _BOTH, _BOTH, weight=1.5),
        # The legacy gateway never ACKs, so withholding them changes nothing there.
        Fault("withheld ACKs", _on_live(_withhold), _NEITHER, _BOTH, v10_only=True),
        Fault("server heartbeat request", _on_live(_beat_request), _NEITHER, _NEITHER),
        Fault("garbage frame", _on_live(_garbage), _LEGACY_ONLY, _BOTH),
        Fault("delay < interval", _on_live(_delay_short), _NEITHER, _NEITHER, second_ok=False),
        Fault(
            "delay > interval",
            _on_live(_delay_long),
            _NEITHER,
            _BOTH,
            v10_only=True,
            second_ok=False,
        ),
        Fault(
            "unknown op",
            _on_live(_unknown_op),
            _NEITHER,
            _NEITHER,
            requires=("send_raw",),
            weight=0.5,
        ),
        Fault(
            "half-open link",
            _on_live(_blackhole),
            _LEGACY_ONLY,
            _BOTH,
            requires=("blackhole",),
        ),
        Fault(
            "gateway outage (sessions kept)",
            # At most 55 s: with the 60 s backoff cap the client is back
            # before the simulator's 120 s session window closes.
            _outage(1.0, 55.0),
            _LEGACY_ONLY,
            _BOTH,
            scope="server",
            weight=0.5,
        ),
        Fault(
            "session expiry (long outage)",
            _outage(SESSION_TTL + 5.0, SESSION_TTL + 60.0),
            _BOTH,
            _BOTH,
            scope="server",
            weight=0.5,
        ),
        Fault(
            "restart, sessions forgotten",
            _restart_forgetting,
            _BOTH,
            _BOTH,
            scope="server",
            requires=("restart",),
            weight=0.5,
        ),
        Fault(
            "sessions forgotten + drop",
            _forget_sessions,
            _BOTH,
            _BOTH,
            scope="server",
            requires=("forget_sessions",),
            weight=0.5,
        ),
        Fault(
            "upgrades refused after drop",
            _on_live(_refused_upgrades),
            _LEGACY_ONLY,
            _BOTH,
            requires=("refuse_gateway",),
            weight=0.5,
            cleanup=_clear_refusals,
        ),
        Fault(
            "REST 503 + op 9 false",
            _on_live(_rest_outage),
            _BOTH,
            _BOTH,
            requires=("fail_rest", "clear_rest_failures"),
            weight=0.5,
            cleanup=_clear_rest,
        ),
        Fault(
            "silent gateway after drop",
            _silent_after_drop,
            _LEGACY_ONLY,
            _BOTH,
            requires=("silent_gateway",),
            weight=0.5,
        ),
        Fault(
            "REST hang + op 9 false",
            _on_live(_rest_hang),
            _BOTH,
            _BOTH,
            requires=("fail_rest", "clear_rest_failures"),
            weight=0.5,
            cleanup=_clear_rest,
        ),
    ]
    if fatal:
        faults += [
            Fault(
                f"fatal close {code}",
                _close(code),
                # The fresh client started afterwards brings its own identify.
                _NEITHER,
                _BOTH,
                fatal=error,
                close_code=code,
                weight=0.5,
            )
            for code, error in FATAL_CODES.items()
        ]
    return faults


def available(
    faults: list[Fault], sim: Simulator, *, legacy: bool, only: tuple[str, ...] = ()
) -> tuple[list[Fault], list[str]]:
    """The faults this simulator and dialect support, and why the others were skipped."""
    usable: list[Fault] = []
    skipped: list[str] = []
    unknown = set(only) - {fault.kind for fault in faults}
    if unknown:
        raise ValueError(
            f"unknown fault kinds {sorted(unknown)}; known: {[f.kind for f in faults]}"
        )
    for fault in faults:
        if only and fault.kind not in only:
            continue
        missing = [name for name in fault.requires if not hasattr(sim, name)]
        if missing:
            skipped.append(f"{fault.kind}: the simulator has no {', '.join(missing)}()")
        elif fault.v10_only and legacy:
            skipped.append(f"{fault.kind}: not applicable to the legacy dialect")
        else:
            usable.append(fault)
    return usable, skipped
