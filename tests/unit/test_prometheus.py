"""The launched Prometheus, for real: Debian's prometheus scrapes a small exporter every
second; queries give one number or say why not; it is always stopped."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, start_http_server

from releasegate.monitoring.config import Monitoring
from releasegate.monitoring.prometheus import PrometheusError, connected, launched, scrape_config
from releasegate.target import free_port

pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None, reason="no prometheus")


def test_scrape_config_is_one_job_every_second_with_basic_auth():
    config = yaml.safe_load(
        scrape_config(Monitoring(), "http://127.0.0.1:8000", "/metrics", ("user", "secret"))
    )
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "releasegate"
    assert job["scrape_interval"] == "1000ms"
    assert job["static_configs"] == [{"targets": ["127.0.0.1:8000"]}]
    assert job["basic_auth"] == {"username": "user", "password": "secret"}


def test_sub_second_intervals_are_written_as_prometheus_durations():
    """Prometheus refuses ``0.5s``; the config allows half a second."""
    config = yaml.safe_load(
        scrape_config(Monitoring(scrape_interval_s=0.5), "http://127.0.0.1:8000", "/m", None)
    )
    assert config["global"]["scrape_interval"] == config["scrape_configs"][0]["scrape_timeout"]
    assert config["scrape_configs"][0]["scrape_interval"] == "500ms"


def _alive(url: str) -> str:
    address = url.removeprefix("http://")
    found = subprocess.run(["pgrep", "-af", f"web.listen-address={address}"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    return found.stdout


def test_launched_prometheus_scrapes_answers_and_is_stopped(tmp_path: Path):
    registry = CollectorRegistry()
    hits = Counter("demo_hits", "hits", ["code"], registry=registry)
    hits.labels(code="200").inc(3)
    hits.labels(code="500").inc(1)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        with launched(Monitoring(), f"http://127.0.0.1:{port}", "/metrics", None,
                      tmp_path / "prometheus.log") as prometheus:  # fmt: skip
            deadline = time.monotonic() + 20
            while prometheus.last_scrape("releasegate", time.time()) is None:
                assert time.monotonic() < deadline, (tmp_path / "prometheus.log").read_text()
                time.sleep(0.2)
            now = time.time()
            assert prometheus.query("sum(demo_hits_total)", now).value == 4
            assert prometheus.query('up{job="releasegate"}', now).value == 1
            empty = prometheus.query("no_such_metric", now)
            assert (empty.value, empty.problem) == (
                None,
                "empty result (no such series in the window)",
            )
            nan = prometheus.query("sum(demo_hits_total) * 0 / 0", now)
            assert nan.value is None
            assert (nan.problem or "").startswith("NaN")
            several = prometheus.query("demo_hits_total", now)
            assert several.problem == "2 series: aggregate the query to one (sum, max)"
            bad = prometheus.query("sum(", now)
            assert (bad.problem or "").startswith("Prometheus refused the query")
            url = prometheus.url
            assert _alive(url)
        assert _alive(url) == ""
    finally:
        server.shutdown()
        thread.join()


def test_a_prometheus_that_exits_is_named_with_its_last_lines(tmp_path: Path):
    fake = tmp_path / "prometheus"
    fake.write_text("#!/bin/sh\necho 'err=\"bad flag\"'\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(PrometheusError) as raised, launched(
        Monitoring(executable=str(fake)), "http://127.0.0.1:9", "/metrics", None,
        tmp_path / "prometheus.log",
    ):  # fmt: skip
        pass
    assert str(raised.value) == (
        'prometheus exited with code 3 before it was ready; its last output:\n  | err="bad flag"'
    )


def test_a_missing_executable_is_named(tmp_path: Path):
    monitoring = Monitoring(executable="/nowhere/prometheus")
    started = launched(monitoring, "http://127.0.0.1:9", "/metrics", None, tmp_path / "p.log")
    with pytest.raises(PrometheusError, match="no '/nowhere/prometheus' executable on PATH"):
        started.__enter__()


def test_a_prometheus_url_that_does_not_answer_is_named():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PrometheusError, match=f"monitoring.prometheus: {url} does not answer"):
        connected(url).__enter__()
