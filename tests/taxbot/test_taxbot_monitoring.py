"""taxbot's monitoring: the HTTP request counter, its dashboard and rules, and the monitoring
faults (stuck_metrics, ready_without_db, renamed_metric)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from taxbot.dialogue import DISCLAIMER
from taxbot.faults import Faults

MONITORING = Path(__file__).resolve().parents[2] / "taxbot" / "monitoring"
PAYMENT = "When is the property tax bill due?"


def test_monitoring_faults_parse():
    assert Faults.parse("stuck_metrics, ready_without_db,renamed_metric") == Faults(
        stuck_metrics=True, ready_without_db=True, renamed_metric=True
    )


def test_http_requests_are_counted_by_route_method_and_status(bot):
    bot.chat("Hello!")
    bot.client.post("/api/chat", json={"message": ""})
    bot.client.get("/api/leads/PT-999999")
    bot.client.get("/no/such/page")
    count = bot.metric
    assert count("taxbot_http_requests_total", path="/api/chat", method="POST", status="200") == 1
    assert count("taxbot_http_requests_total", path="/api/chat", method="POST", status="422") == 1
    assert (
        count("taxbot_http_requests_total", path="/api/leads/{reference}", status="404") == 1
    )  # the route template, not the raw path: label values stay bounded
    assert count("taxbot_http_requests_total", path="unmatched", method="GET", status="404") == 1


def test_errors_fault_is_counted_as_500(make_bot):
    bot = make_bot("errors:1")
    assert bot.client.post("/api/chat", json={"message": "Hello!"}).status_code == 500
    assert bot.metric("taxbot_http_requests_total", path="/api/chat", status="500") == 1


def test_stuck_metrics_never_counts_disclaimers(make_bot):
    healthy, stuck = make_bot(), make_bot("stuck_metrics")
    for bot in (healthy, stuck):
        reply = bot.chat(PAYMENT)
        assert DISCLAIMER in reply["reply"]  # the bot still shows it ...
    assert healthy.metric("taxbot_disclaimers_shown_total", intent="payment") == 1
    assert stuck.metric("taxbot_disclaimers_shown_total", intent="payment") == 0  # ... uncounted
    assert stuck.metric("taxbot_chat_requests_total", intent="payment") == 1


def test_renamed_metric_moves_handoffs_to_another_name(make_bot):
    bot = make_bot("renamed_metric")
    assert bot.chat("I want to talk to a human")["handoff"] is True
    assert bot.metric("taxbot_human_handoffs_total") == 1
    assert "taxbot_handoffs_total" not in bot.client.get("/metrics").text


def test_ready_without_db_says_ready_while_the_database_is_gone(make_bot):
    bot = make_bot("ready_without_db")
    ready = bot.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": "ok"}
    chat = bot.client.post("/api/chat", json={"message": "Hello!"})
    assert chat.status_code == 503
    assert chat.json()["error"]["code"] == "database_unavailable"


def test_healthy_readiness_checks_the_database(bot):
    assert bot.client.get("/readyz").status_code == 200
    bot.client.app.state.store.close()
    unready = bot.client.get("/readyz")
    assert unready.status_code == 503
    assert unready.json()["status"] == "unready"


def test_dashboard_is_grafana_json_with_promql_panels():
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 10
    for metric in ("taxbot_chat_latency_seconds_bucket", "taxbot_http_requests_total",
                   "taxbot_disclaimers_shown_total", "taxbot_leads_qualified_total",
                   "taxbot_handoffs_total", "taxbot_feedback_total"):  # fmt: skip
        assert any(metric in e for e in exprs), metric


def test_alert_rules_pass_promtool():
    result = subprocess.run(
        ["promtool", "check", "rules", str(MONITORING / "alerts.yml")],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 9 rules found" in result.stdout
