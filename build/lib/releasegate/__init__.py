"""releasegate: a release-gate test harness for chatbot web products."""

__version__ = "0.1.0"
