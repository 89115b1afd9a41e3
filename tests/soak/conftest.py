"""The soak runs thousands of loop iterations per fault: asyncio's debug mode
(which the Home Assistant test plugin turns on) would make it ten times slower
and its slow-callback warnings are noise here."""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture(autouse=True)
async def _loop_without_debug() -> None:
    asyncio.get_running_loop().set_debug(False)
