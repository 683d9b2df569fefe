"""A real Prometheus: Debian's ``prometheus`` launched on a free loopback port with a generated
scrape config for the target, or the user's own server; and instant queries against it.

The launched server lives in its own process group, dies with its parent on Linux, and is
always stopped (SIGTERM, then SIGKILL), like the target: a run leaves no process behind.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import yaml

from releasegate.errors import UserError
from releasegate.monitoring.config import Monitoring
from releasegate.target import LOOPBACK, _die_with_parent, _stop, _tail, free_port

QUERY_TIMEOUT_S = 10.0


class PrometheusError(UserError):
    """Prometheus is missing, did not start, or does not answer."""


@dataclass(frozen=True)
class Value:
    """An instant query's single value, or why there is none."""

    value: float | None
    problem: str | None = None


class Prometheus:
    """The HTTP API of one Prometheus server."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def ready(self) -> bool:
        with contextlib.suppress(requests.RequestException):
            return self._http.get(f"{self.url}/-/ready", timeout=2.0).status_code == 200
        return False

    def query(self, promql: str, at: float) -> Value:
        """One number from an instant query at ``at`` (Unix seconds). An empty result, NaN,
        infinity or several series are no value, each saying so."""
        try:
            response = self._http.get(
                f"{self.url}/api/v1/query",
                params={"query": promql, "time": f"{at:.3f}"},
                timeout=QUERY_TIMEOUT_S,
            )
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            return Value(None, f"Prometheus at {self.url} did not answer: {exc}")
        if body.get("status") != "success":
            return Value(None, f"Prometheus refused the query: {body.get('error', body)}")
        data = body["data"]
        if data["resultType"] == "scalar":
            points = [data["result"]]
        else:
            points = [series["value"] for series in data["result"] if "value" in series]
        if not points:
            return Value(None, "empty result (no such series in the window)")
        if len(points) > 1:
            return Value(None, f"{len(points)} series: aggregate the query to one (sum, max)")
        number = float(points[0][1])
        if math.isnan(number):
            return Value(None, "NaN (0/0: nothing to divide in the window?)")
        if math.isinf(number):
            return Value(None, f"{number} (e.g. a quantile above the largest histogram bucket)")
        return Value(number)

    def last_scrape(self, job: str, at: float) -> float | None:
        """The time of the newest scrape of ``job`` up to ``at`` (Unix seconds)."""
        return self.query(f'max(timestamp(up{{job="{job}"}}))', at).value


def scrape_config(
    monitoring: Monitoring, target_url: str, metrics_path: str, auth: tuple[str, str] | None
) -> str:
    """One job scraping the target every ``scrape_interval_s`` (1 s by default)."""
    parts = urlsplit(target_url)
    interval = f"{round(monitoring.scrape_interval_s * 1000)}ms"  # Prometheus refuses "0.5s"
    job: dict[str, object] = {
        "job_name": monitoring.job,
        "metrics_path": metrics_path,
        "scrape_interval": interval,
        "scrape_timeout": interval,
        "scheme": parts.scheme,
        "static_configs": [{"targets": [parts.netloc.rsplit("@", 1)[-1]]}],
    }
    if auth:
        job["basic_auth"] = {"username": auth[0], "password": auth[1]}
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [job],
    }
    return yaml.safe_dump(config, sort_keys=False)


@contextlib.contextmanager
def launched(
    monitoring: Monitoring,
    target_url: str,
    metrics_path: str,
    auth: tuple[str, str] | None,
    log_path: Path,
) -> Iterator[Prometheus]:
    """Start Prometheus scraping the target; wait until it is ready; always stop it."""
    executable = shutil.which(monitoring.executable)
    if executable is None:
        raise PrometheusError(
            f"monitoring.prometheus = \"launch\": no '{monitoring.executable}' executable on "
            "PATH (install Debian's prometheus: scripts/setup.sh, or set monitoring.executable)"
        )
    with contextlib.ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="releasegate-prom-")))
        config = home / "prometheus.yml"
        config.write_text(scrape_config(monitoring, target_url, metrics_path, auth))
        port = free_port()
        log = stack.enter_context(log_path.open("wb"))
        try:
            process = subprocess.Popen(
                [
                    executable,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={home / 'data'}",
                    f"--web.listen-address={LOOPBACK}:{port}",
                    "--storage.tsdb.retention.time=1d",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            raise PrometheusError(f"cannot start {executable}: {exc.strerror}") from None
        stack.callback(_stop, process)
        server = Prometheus(f"http://{LOOPBACK}:{port}")
        stack.callback(server.close)
        deadline = time.monotonic() + monitoring.startup_timeout_s
        while not server.ready():
            code = process.poll()
            if code is not None:
                raise PrometheusError(
                    f"prometheus exited with code {code} before it was ready{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise PrometheusError(
                    f"prometheus was not ready within {monitoring.startup_timeout_s:g} s"
                    f"{_tail(log_path)}"
                )
            time.sleep(0.1)
        yield server


@contextlib.contextmanager
def connected(url: str) -> Iterator[Prometheus]:
    """The user's own server: it must answer now."""
    server = Prometheus(url)
    try:
        if not server.ready():
            raise PrometheusError(f"monitoring.prometheus: {url} does not answer /-/ready")
        yield server
    finally:
        server.close()
