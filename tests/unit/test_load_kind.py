"""The load metrics: percentiles read like Locust's, merged like a master merges workers, and
NO_DATA whenever the numbers would describe nothing or the generator instead of the target."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from releasegate.evidence.kinds.load import (
    Baseline,
    Entry,
    LoadData,
    Process,
    Window,
    Workers,
    merge,
    percentile,
)
from releasegate.evidence.registry import Measurement, NoData, Scope, Sourced, metrics


def window(times: dict[int, int], failures: int = 0, **kinds: int) -> Window:
    return Window(
        requests=sum(times.values()), failures=failures, failures_by_kind=kinds,
        histogram={str(k): v for k, v in times.items()},
    )  # fmt: skip


def data(named: dict[str, Window], **changes: object) -> LoadData:
    fields: dict[str, object] = {
        "host": "http://127.0.0.1:1", "shape": "ramp", "users": 10, "spawn_rate": 10.0,
        "duration_s": 10.0, "elapsed_s": 10.0, "steady_from_s": 2.0, "steady_s": 8.0,
        "entries": [Entry(name=n, method="POST", steady=w, total=w) for n, w in named.items()],
        "generator": [Process(role="local", id="1", cpu_seconds=1.0, wall_seconds=8.0)],
    }  # fmt: skip
    return LoadData.model_validate({**fields, **changes})


def measure(metric: str, *files: LoadData, **select: str) -> Measurement | NoData:
    scope = Scope(select=select, stage_suites=())
    sourced = [Sourced(f"load-{i}.json", f) for i, f in enumerate(files)]
    return metrics()[metric].measure(scope, sourced)


FAST = window({10: 90, 20: 10})
SLOW = window({400: 20}, 2, http_500=2)


def test_percentiles_are_read_exactly_as_locust_reads_them():
    """Against Locust's own function, in a subprocess (importing locust patches with gevent)."""
    cases = [{"10": 3, "20": 1}, {"1": 1}, {"5": 50, "150": 49, "3000": 1}, {"7": 10, "9": 10}]
    code = (
        "import json, sys\n"
        "from locust.stats import calculate_response_time_percentile as p\n"
        "cases = json.loads(sys.argv[1])\n"
        "print(json.dumps([[p({int(k): v for k, v in c.items()}, sum(c.values()), q)"
        " for q in (0.5, 0.9, 0.95, 0.99)] for c in cases]))"
    )
    out = subprocess.run([sys.executable, "-c", code, json.dumps(cases)], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    ours = [[percentile(c, q) for q in (0.5, 0.9, 0.95, 0.99)] for c in cases]
    assert ours == json.loads(out)


def test_aggregated_and_per_name_percentiles_and_the_slowest_name():
    d = data({"chat:appeals": SLOW, "chat:greeting": FAST})
    overall = measure("load.p95_ms", d)
    assert isinstance(overall, Measurement)
    assert overall.value == 400
    assert overall.samples == 120
    assert "slowest: chat:appeals: p95 400 ms" in overall.summary
    assert measure("load.p95_ms", d, name="chat:greeting").value == 20  # type: ignore[union-attr]
    assert measure("load.p50_ms", d, name="chat:*").value == 10  # type: ignore[union-attr]


def test_parallel_jobs_merge_histograms_and_add_throughput():
    one, two = data({"chat:appeals": FAST}), data({"chat:appeals": SLOW})
    merged = measure("load.p99_ms", one, two)
    expected = percentile(merge([FAST.histogram, SLOW.histogram]), 0.99)
    assert merged.value == expected  # type: ignore[union-attr]
    rate = measure("load.throughput", one, two)
    assert rate.value == pytest.approx((100 + 20) / 8.0)  # type: ignore[union-attr]


def test_error_rate_names_the_request_and_the_kind():
    measured = measure("load.error_rate", data({"chat:appeals": SLOW, "page": FAST}))
    assert isinstance(measured, Measurement)
    assert measured.value == pytest.approx(2 / 120)
    assert measured.details == ["chat:appeals: 2 of 20 failed (http_500 2)"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"entries": []}, "zero requests named Aggregated"),
        ({"steady_from_s": None, "steady_s": 0.0}, "no steady window"),
        ({"workers": Workers(expected=2, connected=2, lost=["w2"])}, "went missing mid-test"),
        ({"workers": Workers(expected=2, connected=1)}, "1 load worker(s) connected, 2 expected"),
    ],
)
def test_every_load_metric_is_no_data_when_the_run_proves_nothing(changes, reason):
    d = data({"chat:appeals": FAST}, **changes)
    for name in ("load.requests", "load.error_rate", "load.p95_ms", "load.throughput"):
        found = measure(name, d)
        assert isinstance(found, NoData), name
        assert reason in found.reason


def test_a_selected_name_without_requests_is_no_data():
    found = measure("load.p95_ms", data({"page": FAST}), name="chat:appeals")
    assert isinstance(found, NoData)
    assert "names: page" in found.reason


def test_a_busy_generator_makes_latency_no_data_but_not_counts():
    busy = [Process(role="local", id="1", cpu_seconds=7.6, wall_seconds=8.0)]  # 95 %
    d = data({"chat:appeals": FAST}, generator=busy)
    found = measure("load.p95_ms", d)
    assert isinstance(found, NoData)
    assert "the load generator was the bottleneck" in found.reason
    assert isinstance(measure("load.error_rate", d), Measurement)


def test_regression_against_a_baseline_has_a_relative_limit_and_a_floor():
    base = Baseline(
        source="base.json", p95_ms={"Aggregated": 100.0}, throughput={"Aggregated": 30.0},
        relative=0.2, floor_ms=50.0,
    )  # fmt: skip
    within = measure("load.p95_regression_ms", data({"x": window({150: 10})}, baseline=base))
    assert within.value == 0  # type: ignore[union-attr]  # 150 = max(120, 150)
    over = measure("load.p95_regression_ms", data({"x": window({160: 10})}, baseline=base))
    assert over.value == 10  # type: ignore[union-attr]
    assert "allowed max(+20%, +50 ms) = 150 ms" in over.summary  # type: ignore[union-attr]
    ratio = measure("load.throughput_vs_baseline", data({"x": window({10: 120})}, baseline=base))
    assert ratio.value == pytest.approx(0.5)  # type: ignore[union-attr]  # 15/s of 30/s
    missing = measure("load.p95_regression_ms", data({"x": FAST}))
    assert isinstance(missing, NoData)
    assert "no baseline" in missing.reason


@pytest.mark.parametrize(
    "bad",
    [
        {"requests": 1, "failures": 2, "histogram": {}},
        {"requests": 1, "failures": 0, "histogram": {"10": 5}},
        {"requests": 1, "failures": 0, "histogram": {"ten": 1}},
        {"requests": 2, "failures": 1, "failures_by_kind": {"http_500": 2}, "histogram": {}},
    ],
)
def test_inconsistent_windows_are_rejected(bad):
    with pytest.raises(ValidationError):
        Window.model_validate(bad)


def test_a_starved_generator_is_the_bottleneck_too():
    """20 % CPU, but 75 % of the window waiting for a CPU that other processes held."""
    starved = [Process(role="worker", id="w1", cpu_seconds=1.6, wall_seconds=8.0, wait_seconds=6.0)]
    found = measure("load.p99_ms", data({"chat:appeals": FAST}, generator=starved))
    assert isinstance(found, NoData)
    assert "used 20 % CPU and waited 75 % for one" in found.reason
