"""The Kubernetes manifests in docs/load.md are valid Kubernetes objects (schemas shipped by
kubernetes-validate, checked offline and strictly) and run the same locustfile."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "load.md"
VERSION = "1.30"


def manifests() -> list[dict]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    return [doc for block in blocks for doc in yaml.safe_load_all(block) if doc]


def test_the_manifests_are_valid_kubernetes_objects():
    found = manifests()
    assert [(m["kind"], m["metadata"]["name"]) for m in found] == [
        ("Deployment", "releasegate-locust-master"),
        ("Service", "releasegate-locust-master"),
        ("Deployment", "releasegate-locust-worker"),
    ]
    for manifest in found:
        kubernetes_validate.validate(manifest, VERSION, strict=True)


def test_workers_find_the_master_and_both_run_the_locustfile():
    master, service, worker = manifests()
    master_args = master["spec"]["template"]["spec"]["containers"][0]["args"]
    worker_args = worker["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--master" in master_args
    assert "loadtests/locustfile.py" in master_args
    assert "loadtests/locustfile.py" in worker_args
    assert worker_args[worker_args.index("--master-host") + 1] == service["metadata"]["name"]
    assert 5557 in [p["port"] for p in service["spec"]["ports"]]
    assert service["spec"]["selector"] == master["spec"]["template"]["metadata"]["labels"]


def test_a_broken_manifest_is_caught():
    broken = manifests()[0]
    broken["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError, match="replicas"):
        kubernetes_validate.validate(broken, VERSION, strict=True)
