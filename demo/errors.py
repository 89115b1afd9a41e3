"""The one error every part of the demo raises: the stack could not start or did not behave.

Its own module so that the process, API, stack and check modules can all raise it
without importing each other.
"""

from __future__ import annotations


class StackError(RuntimeError):
    """The stack could not be started or did not behave."""
