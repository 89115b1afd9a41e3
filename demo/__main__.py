"""``python -m demo``: see :func:`demo.stack.main`."""

from __future__ import annotations

import sys

from demo.stack import main

if __name__ == "__main__":
    sys.exit(main())
