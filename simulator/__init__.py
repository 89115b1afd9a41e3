"""A faithful local Discord server (REST + gateway, v10 and the 2016 dialect) for tests.

Written from Discord's documentation, independently of any client.
"""

from simulator.clock import Clock, SystemClock
from simulator.records import ConnectionRecord
from simulator.server import Simulator

__all__ = ["Clock", "ConnectionRecord", "Simulator", "SystemClock"]
