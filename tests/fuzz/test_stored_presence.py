"""A corrupt or old-format presence store never stops the integration from starting.

The store is a JSON file in ``.storage``: a crash, a hand edit or an old
version can leave anything there. ``Presence.from_dict`` must rebuild a valid
presence or raise ValueError (which the integration turns into "start from
online"), and a presence it rebuilt must survive the round trip.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from custom_components.discord_presence.gateway import (
    Activity,
    ActivityType,
    Presence,
    Status,
)

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=140)
    | st.sampled_from([math.inf, -math.inf, 2**63, 10**400, "online", "idle", "dnd", 1, 4])
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
_activities = st.fixed_dictionaries(
    {},
    optional={
        "name": _values,
        "type": _values,
        "url": _values | st.just("https://twitch.tv/x"),
        "state": _values,
    },
)
_stored = st.fixed_dictionaries(
    {},
    optional={
        "status": _values | st.sampled_from([s.value for s in Status]),
        "activity": _activities | _values,
        "afk": _values,
        "since": _values,
    },
)


@given(data=_stored | _values)
def test_any_stored_shape_rebuilds_or_is_a_value_error(data: object) -> None:
    """Malformed data raises ValueError only; valid data round-trips unchanged."""
    try:
        presence = Presence.from_dict(data)
    except ValueError:
        return
    assert isinstance(presence, Presence)
    assert Presence.from_dict(presence.as_dict()) == presence


@given(
    status=st.sampled_from(list(Status)),
    kind=st.sampled_from(list(ActivityType)),
    name=st.text(min_size=1, max_size=128).filter(str.strip),
    since=st.none() | st.integers(min_value=0, max_value=2**53),
)
def test_valid_presences_round_trip(
    status: Status, kind: ActivityType, name: str, since: int | None
) -> None:
    """What the integration stores, it reads back as the same presence."""
    activity = Activity(name=name, type=kind, state=name if kind is ActivityType.CUSTOM else None)
    presence = Presence(status=status, activity=activity, since=since)
    assert Presence.from_dict(presence.as_dict()) == presence
