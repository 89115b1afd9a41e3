"""The end-to-end demo: a real Home Assistant connected to the Discord simulator.

``script/demo`` runs ``python -m demo``; the browser test starts the same
stack through :class:`demo.stack.DemoStack`.
"""
