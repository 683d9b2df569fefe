"""releasegate's load generator beside wrk, against taxbot's chat endpoint, in one run.

Both drive one launched taxbot at the same concurrency with no think time, one after the other
(alternating which goes first over ``--rounds``, so machine noise and taxbot's growing
database hit them alike):

- Locust with releasegate's ChatUser, conversations only, playing a one-turn conversation that
  asks wrk's question (the same work for the target): the request built by the chat contract
  engine and the reply judged by the script and every policy detector, as in the load stage;
- wrk with a Lua script that posts the same tax question per request (no judging at all).

Prints, per round and as medians: throughput of each and their ratio (Locust / wrk), p95 of
each and their ratio, Locust's CPU seconds per 1000 requests (from its load evidence), and
taxbot's own CPU per request under each (the same work for the target, or not).
Target: a throughput ratio of at least 0.9 when the target is the bottleneck. Asserts nothing.

    .venv/bin/python bench/load_vs_wrk.py [--users 20] [--seconds 10] [--rounds 3] [--shared-cpus]

20 users by default: at 10, with no think time, taxbot was busy about 91 % of the time under
Locust against 96 % under wrk (Locust holds a reply a little longer), so it was not quite the
bottleneck; at 20 it is under both.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from releasegate.config import load_config  # noqa: E402
from releasegate.evidence.kinds.load import AGGREGATED, LoadData, percentile, pooled  # noqa: E402
from releasegate.evidence.registry import (  # noqa: E402
    Measurement,
    NoData,
    Scope,
    Sourced,
    metrics,
)
from releasegate.target import launched  # noqa: E402

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"message": "When is my property tax due?"}'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %f %d\\n", summary.requests, summary.duration / 1e6,
                         latency:percentile(95) / 1000))
end
"""
# The request wrk sends, as a one-turn conversation: the same work for the target, while
# Locust still builds it through the contract engine and judges the reply by every rule.
SCRIPT = """
id: BENCH-1
title: the question wrk asks
tags: [bench]
turns:
  - user: "When is my property tax due?"
    expect: {topics: [tax_info], intent: payment}
"""
CONFIG_EXTRA = """
[stages.bench]
load = {think_time_s = [0, 0]}
checks = ["load_min_requests"]
"""


def bench_config(folder: Path) -> Path:
    """The project's config, with a chat-only mix and a stage without think time."""
    text = (ROOT / "releasegate.toml").read_text()
    text = text.replace(
        "mix = {conversation = 8, page = 1, health = 1, feedback = 1}",
        "mix = {conversation = 1, page = 0, health = 0, feedback = 0}",
    )
    path = folder / "releasegate.toml"
    path.write_text(text + CONFIG_EXTRA)
    conversations = folder / "conversations"
    conversations.mkdir()
    (conversations / "policy.yaml").symlink_to(ROOT / "conversations" / "policy.yaml")
    (conversations / "due.yaml").write_text(SCRIPT)
    return path


def run_locust(
    config: Path, host: str, users: int, seconds: int, out: Path, tree: Path = ROOT
) -> dict[str, float]:
    """One headless Locust test with ``tree``'s locustfile and releasegate package (this
    checkout's by default; bench/load_cpu.py passes another revision's)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(tree), os.environ.get("PYTHONPATH")) if p
    )}  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(tree / "loadtests" / "locustfile.py"),
         "--headless", "--only-summary", "--loglevel", "ERROR", "--host", host,
         "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
         "--releasegate-config", str(config), "--releasegate-stage", "bench",
         "--releasegate-evidence", str(out)],
        check=False, capture_output=True, text=True, timeout=seconds + 120, cwd=config.parent,
        env=env,
    )  # fmt: skip
    (path,) = out.glob("load-*.json")
    data = LoadData.model_validate(json.loads(path.read_text())["data"])
    path.unlink()
    files = [Sourced(path.name, data)]
    scope = Scope(select={"name": AGGREGATED}, stage_suites=())
    rate = metrics()["load.throughput"].measure(scope, files)
    assert isinstance(rate, Measurement), rate
    pool = pooled(scope, files)  # p95 read directly: the gate would refuse it from a starved
    assert not isinstance(pool, NoData), pool  # generator, and the figure says so beside it
    cpu = sum(p.cpu_seconds for p in data.generator)
    return {
        "rps": rate.value, "p95_ms": percentile(pool.histogram, 0.95), "requests": rate.samples,
        "all_requests": sum(e.total.requests for e in data.entries),
        "cpu_per_1000": 1000 * cpu / rate.samples,
        "cpu_percent": max(p.cpu_percent for p in data.generator),
        "busy_percent": max(p.busy_percent for p in data.generator),
    }  # fmt: skip


def run_wrk(host: str, users: int, seconds: int, script: Path) -> dict[str, float]:
    result = subprocess.run(
        ["wrk", "-t", "1", "-c", str(users), "-d", f"{seconds}s", "-s", str(script),
         f"{host}/api/chat"],
        check=True, capture_output=True, text=True, timeout=seconds + 60,
    )  # fmt: skip
    found = re.search(r"RESULT (\d+) ([\d.]+) (\d+)", result.stdout)
    assert found, result.stdout
    requests, duration, p95 = int(found[1]), float(found[2]), int(found[3])
    return {"rps": requests / duration, "p95_ms": p95, "requests": requests}


def target_cpu_ms(process: psutil.Process, run: Callable[[], dict[str, float]],
                  requests: str) -> dict[str, float]:  # fmt: skip
    """``run``'s figures, with the target's CPU milliseconds per request it served (all of its
    ``requests``): is one generator's request dearer for the target than the other's?"""
    before = sum(process.cpu_times()[:2])
    figures = run()
    figures["target_ms"] = 1000 * (sum(process.cpu_times()[:2]) - before) / figures[requests]
    return figures


def pin(taxbot: psutil.Process) -> str:
    """Give taxbot (and its children) CPU 0 and this process, hence every generator it starts,
    the other CPUs: the target is then the bottleneck, as the throughput target presumes,
    instead of the two competing for the same cores. Says where each runs."""
    cpus = sorted(psutil.Process().cpu_affinity())
    if len(cpus) < 2:
        return "shared (one CPU only)"
    for process in (taxbot, *taxbot.children(recursive=True)):
        process.cpu_affinity(cpus[:1])
    psutil.Process().cpu_affinity(cpus[1:])
    return f"taxbot on CPU {cpus[0]}, generators on CPU {','.join(map(str, cpus[1:]))}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--shared-cpus", action="store_true",
        help="let the generators and taxbot share every CPU (by default taxbot gets CPU 0 and "
        "the generators the others, so that the target, not the generator, is the bottleneck)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="load-vs-wrk-") as tmp:
        folder = Path(tmp)
        config = bench_config(folder)
        script = folder / "post.lua"
        script.write_text(WRK_SCRIPT)
        target = load_config(config).target
        env_faults = os.environ.pop("TAXBOT_FAULTS", None)
        rows = []
        with launched(target, announce=False, cwd=ROOT) as launch:
            host = launch.ready(announce=False).base_url
            taxbot = psutil.Process(launch.process.pid)
            placement = "shared" if args.shared_cpus else pin(taxbot)
            run_wrk(host, args.users, 2, script)  # warm the target up
            for n in range(args.rounds):
                # taxbot's database grows as it serves: odd rounds run wrk first, even rounds
                # Locust first, so neither always meets the larger one.
                runs = {
                    "wrk": lambda: target_cpu_ms(
                        taxbot, lambda: run_wrk(host, args.users, args.seconds, script),
                        "requests",
                    ),
                    "locust": lambda: target_cpu_ms(
                        taxbot,
                        lambda: run_locust(config, host, args.users, args.seconds, folder / "ev"),
                        "all_requests",
                    ),
                }  # fmt: skip
                order = ("wrk", "locust") if n % 2 == 0 else ("locust", "wrk")
                got = {name: runs[name]() for name in order}
                ours, wrk = got["locust"], got["wrk"]
                rows.append((ours, wrk))
                print(
                    f"round {n + 1}: locust {ours['rps']:.1f}/s p95 {ours['p95_ms']:.0f} ms "
                    f"(CPU {ours['cpu_percent']:.0f} %, busy {ours['busy_percent']:.0f} %, "
                    f"{ours['cpu_per_1000']:.2f} s/1000 req) "
                    f"| wrk {wrk['rps']:.1f}/s p95 {wrk['p95_ms']:.0f} ms "
                    f"| taxbot CPU per request {ours['target_ms']:.2f} ms under locust, "
                    f"{wrk['target_ms']:.2f} ms under wrk",
                    flush=True,
                )
        if env_faults is not None:
            os.environ["TAXBOT_FAULTS"] = env_faults

    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(f"\n{args.users} connections/users, {args.seconds} s each, {args.rounds} rounds, "
          f"{placement} (medians):")  # fmt: skip
    ratios = [o["rps"] / w["rps"] for o, w in rows]
    print(f"throughput: locust {median([o['rps'] for o, _ in rows]):.1f}/s, "
          f"wrk {median([w['rps'] for _, w in rows]):.1f}/s, "
          f"ratio {median(ratios):.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f})")  # fmt: skip
    print(f"p95: locust {median([o['p95_ms'] for o, _ in rows]):.0f} ms, "
          f"wrk {median([w['p95_ms'] for _, w in rows]):.0f} ms, "
          f"ratio {median([o['p95_ms'] / max(w['p95_ms'], 1) for o, w in rows]):.2f}")  # fmt: skip
    print(f"locust CPU per 1000 requests: {median([o['cpu_per_1000'] for o, _ in rows]):.2f} s "
          f"(generator CPU {median([o['cpu_percent'] for o, _ in rows]):.0f} %, busy with "
          f"run-queue waits {median([o['busy_percent'] for o, _ in rows]):.0f} %)")  # fmt: skip
    print(f"taxbot CPU per request: {median([o['target_ms'] for o, _ in rows]):.2f} ms under "
          f"locust, {median([w['target_ms'] for _, w in rows]):.2f} ms under wrk")  # fmt: skip
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
