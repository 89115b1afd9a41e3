"""The end-to-end demo: a real Home Assistant connected to the Discord simulator.

``script/demo`` runs ``python -m demo``; the browser test starts the same
stack through :class:`demo.stack.DemoStack`. One job per module, imports
pointing down this list only:

- ``cli``: the command line (options, banner, signals, exit status);
- ``check``: the end-to-end check behind ``--check``;
- ``stack``: starts the simulator and Home Assistant, makes the config entry
  and the dashboard, and observes them;
- ``config_dir``: Home Assistant's configuration directory for the demo;
- ``ha_api``: the Home Assistant REST and websocket client;
- ``processes``: child processes, free ports and bounded waits;
- ``settings`` and ``errors``: the fixed names and the one error they share.
"""
