"""The locustfile releasegate runs (``releasegate run``) and ``loadtests/locustfile.py``
re-exports: the chat user, the shape, and releasegate's event listeners."""

from releasegate.load import plugin as _plugin  # noqa: F401 - registers the event listeners
from releasegate.load.shapes import GateShape
from releasegate.load.users import ChatUser

__all__ = ["ChatUser", "GateShape"]
