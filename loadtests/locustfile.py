"""Load against the target in releasegate.toml: ``locust -f loadtests/locustfile.py``.

With no ``--host``, the configured target (taxbot) is launched on a free loopback port for the
session; the web UI (http://127.0.0.1:8089) has a "Release gate" tab; each test stopped writes
load evidence under reports/. Headless: ``locust -f loadtests/locustfile.py --headless`` runs
the config's users, spawn rate and duration and exits 0 when the load checks pass, 1 when not.
See docs/load.md. The code is in releasegate/load/.
"""

from releasegate.load.locustfile import ChatUser, GateShape

__all__ = ["ChatUser", "GateShape"]
