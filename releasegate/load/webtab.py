"""The web UI's "Release gate" tab: the policy's load checks, judged live by the gate's own
code on evidence built from the running test's stats (observed, threshold, verdict, samples).

Locust's UI renders extra tabs from ``template_args`` (``extended_tabs``, ``extended_tables``)
and fills them from ``extended_stats`` in its ``/stats/requests`` poll. The start form is
refused (400, with the reason) for a host the config does not allow or load above the caps.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, jsonify, request

from releasegate.load.checks import judge_load
from releasegate.load.safety import LoadRefused, check_caps
from releasegate.load.session import Session

KEY = "release-gate"
COLUMNS = [
    ("check", "Check"), ("level", "Level"), ("verdict", "Verdict"),
    ("observed", "Observed"), ("threshold", "Threshold"), ("samples", "Samples"),
    ("reason", "Reason"),
]  # fmt: skip


def rows(environment: Any, session: Session) -> list[dict[str, Any]]:
    from releasegate.load.plugin import current, last_results

    collector = current()
    if collector is not None:
        results = judge_load(session, collector.finish_preview())
    else:
        results = last_results() or []
    return [
        {
            "check": r.id, "level": r.level, "verdict": r.shown_verdict,
            "observed": r.shown_observed, "threshold": r.shown_threshold, "samples": r.samples,
            "reason": r.reason.splitlines()[0],
        }
        for r in results
    ]  # fmt: skip


def install(environment: Any, session: Session) -> None:
    web_ui = environment.web_ui
    web_ui.template_args["extended_tabs"] = [{"title": "Release gate", "key": KEY}]
    web_ui.template_args["extended_tables"] = [
        {"key": KEY, "structure": [{"key": k, "title": t} for k, t in COLUMNS]}
    ]
    app = web_ui.app

    @app.after_request
    def _extend(response: Response) -> Response:
        if request.path != "/stats/requests" or not response.is_json:
            return response
        body = response.get_json()
        body["extended_stats"] = [{"key": KEY, "data": rows(environment, session)}]
        response.set_data(json.dumps(body))
        return response

    @app.before_request
    def _refuse() -> Any:
        if request.path != "/swarm" or request.method != "POST":
            return None
        form = request.form
        try:
            session.check_host(form.get("host") or environment.host or "")
            check_caps(int(form.get("user_count") or 0), float(form.get("spawn_rate") or 0),
                       _seconds(form.get("run_time")), session.settings,
                       str(session.config.source))  # fmt: skip
        except (LoadRefused, ValueError) as exc:
            return jsonify({"success": False, "message": str(exc), "host": environment.host}), 400
        return None


def _seconds(text: str | None) -> float | None:
    if not text:
        return None
    from locust.util.timespan import parse_timespan

    try:
        return float(parse_timespan(text))
    except ValueError:
        return None  # Locust's own form handling names a bad run time
