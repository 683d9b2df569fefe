"""taxbot: the bundled reference target of releasegate.

A small, deterministic property-tax assistant (FastAPI, SQLite, Prometheus) that behaves like
a compliant chatbot and can be made to misbehave on purpose (``TAXBOT_FAULTS``), so the release
gate can be shown to promote it when healthy and block each regression.
"""

__version__ = "1.0.0"
