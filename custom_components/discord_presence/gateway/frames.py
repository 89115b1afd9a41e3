"""Reading what a gateway server sends: JSON decoding and the values we accept.

Issue 7: a hostile value must not kill, freeze or silence the client. What
falls outside these bounds is a GatewayProtocolError, and the connection is
recycled.
"""

from __future__ import annotations

import json
from typing import Any, Final

from .errors import GatewayProtocolError

# Heartbeat intervals: below 1 s heartbeats alone would use half of the
# 120-per-60 s send budget; above 1 h a dead link would go unnoticed for hours
# (Discord sends 41.25 s).
HEARTBEAT_INTERVAL_MIN_MS: Final = 1_000
HEARTBEAT_INTERVAL_MAX_MS: Final = 3_600_000
# seq goes into every heartbeat; 2**53 (exact in any JSON reader) is far
# beyond what a session reaches and keeps that frame tiny.
MAX_SEQ: Final = 2**53


def decode(text: str) -> dict[str, Any]:
    """One payload: a JSON object with an integer ``op``."""
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as err:
        # RecursionError: a hostile server nesting arrays 100,000 deep.
        raise GatewayProtocolError("undecodable JSON") from err
    if not isinstance(payload, dict):
        raise GatewayProtocolError("payload is not an object")
    op = payload.get("op")
    if not isinstance(op, int) or isinstance(op, bool):
        raise GatewayProtocolError("payload without an integer op")
    return payload


def usable_seq(seq: Any) -> int | None:
    """The payload's ``s`` when it is an integer (None when absent or not one)."""
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None
    if not 0 <= seq < MAX_SEQ:
        # It goes into every heartbeat: a 5000-digit seq would push that
        # frame past 4096 bytes.
        raise GatewayProtocolError("sequence number out of range")
    return seq


def interval_seconds(data: Any) -> float:
    """``heartbeat_interval`` (ms) in seconds; refused outside the accepted range.

    Compared as sent (int or float) before any conversion: a 400-digit int
    would overflow float(), NaN fails every comparison, infinity and 2**63
    are above the range, zero and negatives below it.
    """
    value = data.get("heartbeat_interval") if isinstance(data, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise GatewayProtocolError("no usable heartbeat_interval")
    if not HEARTBEAT_INTERVAL_MIN_MS <= value <= HEARTBEAT_INTERVAL_MAX_MS:
        raise GatewayProtocolError("heartbeat_interval out of range")
    return float(value) / 1000.0
