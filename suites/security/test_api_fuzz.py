"""API fuzzing with schemathesis, when the target publishes an OpenAPI document
(``target.openapi_path``): data that fits the schema and data that does not, for every
operation, bounded in examples and in time. No answer may be a server error; answers must
match the documented status codes, content types and schemas; invalid data must be rejected.

schemathesis is used as a library inside this one test (``openapi.from_dict``, an operation's
Hypothesis strategy, ``Case.call`` and ``Case.validate_response``) rather than through its pytest
plugin: the document is only known once the target runs, and the bounds stay in one place. It is
imported when the test runs, not when it is collected: a second of imports that ``pytest -m
smoke`` would pay for nothing (its pytest plugin is off: ``-p no:schemathesis``).
Against staging every request is one ordinary API call; chat turns it sends start sessions
that nobody continues."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from releasegate.config import Config
from releasegate.evidence.kinds.tests import NOT_APPLICABLE
from releasegate.http import TargetSession
from releasegate.security.headers import Issue, Severity
from releasegate.security.probes import Probes

if TYPE_CHECKING:
    from schemathesis.core.failures import Failure, FailureGroup

pytestmark = pytest.mark.security

MAX_EXAMPLES = 6  # per operation and mode
BUDGET_S = 5.0  # per mode: cases after this are generated but not sent


def _severity(failure: Failure) -> Severity:
    """A server error is high; a documented-shape or rejection mismatch is medium."""
    from schemathesis.core.failures import ServerError

    return "high" if isinstance(failure, ServerError) else "medium"


def _flatten(exc: Failure | FailureGroup) -> list[Failure]:
    from schemathesis.core.failures import FailureGroup

    return list(exc.exceptions) if isinstance(exc, FailureGroup) else [exc]


@pytest.fixture(scope="module")
def openapi(http: TargetSession, releasegate_config: Config) -> Any:
    path = releasegate_config.target.openapi_path
    if path is None:
        pytest.skip(
            f"{NOT_APPLICABLE}{releasegate_config.target.name} publishes no OpenAPI document "
            "(target.openapi_path)"
        )
    response = http.get(path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    import schemathesis

    return schemathesis.openapi.from_dict(response.json())


@pytest.mark.parametrize("data", ["positive", "negative"])
def test_api_answers_as_documented(
    data: str, openapi: Any, http: TargetSession, probes: Probes
) -> None:
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    mode = GenerationMode(data)
    checks = [
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance,
    ]  # fmt: skip
    if mode is GenerationMode.NEGATIVE:
        checks.append(negative_data_rejection)
    deadline = time.monotonic() + BUDGET_S
    for result in openapi.get_all_operations():
        operation = result.ok()
        found: dict[str, Issue] = {}  # one finding per distinct failure title
        sent = _fuzz(operation, mode, http, checks, deadline, found)
        request = f"{operation.label} ({mode.value} data, {sent} case(s))"
        if sent:
            probes.add("api_fuzz", request, found.values())
    probes.check()


def _fuzz(
    operation: Any,
    mode: Any,
    http: TargetSession,
    checks: list[Callable[..., Any]],
    deadline: float,
    found: dict[str, Issue],
) -> int:
    """Send up to MAX_EXAMPLES generated cases before the deadline; count those sent."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.core.failures import Failure, FailureGroup

    sent = 0

    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal sent
        if time.monotonic() > deadline:
            return
        sent += 1
        response = case.call(base_url=http.base_url, session=http)
        try:
            case.validate_response(response, checks=checks)
        except (Failure, FailureGroup) as exc:
            for failure in _flatten(exc):
                body = response.text[:200]
                shown = f"{failure.title}: {failure.message}".strip()
                found.setdefault(
                    failure.title,
                    Issue("api_fuzz", _severity(failure), shown,
                          f"sent {case.body!r:.120}; answered {response.status_code}: {body}"),
                )  # fmt: skip

    with contextlib.suppress(Unsatisfiable):  # nothing to vary: an operation without input
        run()
    return sent
