"""Prometheus metrics of one app instance.

Each app gets its own CollectorRegistry instead of the global one, so several apps (one per
test, or per fault set) can live in one process without "duplicated timeseries" errors.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from taxbot.faults import TAX_INTENTS, Faults

INTENTS = (*TAX_INTENTS, "greeting", "lead", "handoff", "out_of_scope")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    """The metrics the monitoring suite and the gate read; label values start at zero."""

    def __init__(self, version: str, faults: Faults | None = None) -> None:
        faults = faults or Faults()
        self._stuck = faults.stuck_metrics  # the disclaimers counter never moves
        self.registry = CollectorRegistry()
        self.chat_requests = Counter(
            "taxbot_chat_requests",
            "Chat turns answered, by detected intent.",
            ["intent"],
            registry=self.registry,
        )
        self.chat_latency = Histogram(
            "taxbot_chat_latency_seconds",
            "Time to answer a chat turn, from request to reply.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.disclaimers_shown = Counter(
            "taxbot_disclaimers_shown",
            "Replies that carried the tax disclaimer, by intent.",
            ["intent"],
            registry=self.registry,
        )
        self.handoffs = Counter(
            # renamed_metric: a refactor renamed it, and every dashboard on the old name is blank
            "taxbot_human_handoffs" if faults.renamed_metric else "taxbot_handoffs",
            "Conversations handed to a human.",
            registry=self.registry,
        )
        self.leads_qualified = Counter(
            "taxbot_leads_qualified", "Leads stored as qualified.", registry=self.registry
        )
        self.feedback = Counter(
            "taxbot_feedback", "Feedback ratings received.", ["rating"], registry=self.registry
        )
        self.http_requests = Counter(
            "taxbot_http_requests",
            "HTTP requests answered, by route template, method and status code.",
            ["path", "method", "status"],
            registry=self.registry,
        )
        build_info = Gauge(
            "taxbot_build_info",
            "Always 1; labelled with the version.",
            ["version"],
            registry=self.registry,
        )
        build_info.labels(version=version).set(1)
        for intent in INTENTS:
            self.chat_requests.labels(intent=intent)
            self.disclaimers_shown.labels(intent=intent)
        for rating in range(1, 6):
            self.feedback.labels(rating=str(rating))

    def chat_answered(self, intent: str, seconds: float, *, disclaimer: bool) -> None:
        self.chat_requests.labels(intent=intent).inc()
        self.chat_latency.observe(seconds)
        if disclaimer and not self._stuck:
            self.disclaimers_shown.labels(intent=intent).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
