"""Another team's first day: the built wheel installed into a fresh virtualenv, an empty folder
outside this repository, ``releasegate init`` against their running bot, their disclaimer put
in, ``releasegate run --stage smoke``. Nothing of this repository is on the path but the fake
bots, which run as the team's own servers would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from releasegate.config import TargetConfig
from releasegate.target import RunningTarget, target_session

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "tests" / "fakes"
TOKEN = "sk-test-wheel-5d1c9a7e"
FAKE_DISCLAIMER = (
    "General information only, not tax advice. Confirm details with your local tax office."
)


def run(argv: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "OPENAI_API_KEY")
    }
    return subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, installed with its dependencies, and nothing else."""
    build = tmp_path_factory.mktemp("wheel")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", build, ROOT], cwd=build)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = build.glob("releasegate-*.whl")
    env = build / "venv"
    made = run([sys.executable, "-m", "venv", env], cwd=build)
    assert made.returncode == 0, made.stderr
    installed = run([env / "bin" / "python", "-m", "pip", "install", "-q", wheel], cwd=build)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return env


def fake(script: str, *args: str) -> Iterator[RunningTarget]:
    launcher = TargetConfig(
        name=script,
        launch=f"{{python}} {FAKES / script} --port {{port}} {' '.join(args)}",
        health_path="/",
    )
    with target_session(launcher, announce=False) as running:
        yield running


@pytest.fixture(scope="module")
def rasa() -> Iterator[RunningTarget]:
    yield from fake("rasa_rest.py")


@pytest.fixture(scope="module")
def openai() -> Iterator[RunningTarget]:
    yield from fake("openai_chat.py", "--token", TOKEN)


def first_day(venv: Path, folder: Path, preset: str, url: str) -> subprocess.CompletedProcess[str]:
    """init, put the team's approved disclaimer in, gate the smoke stage."""
    folder.mkdir()
    bin_dir = venv / "bin"
    init = run([bin_dir / "releasegate", "init", "--preset", preset, "--base-url", url], folder,
               OPENAI_API_KEY=TOKEN)  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    assert {p.name for p in folder.iterdir()} == {"releasegate.toml", "conversations"}
    policy = folder / "conversations" / "policy.yaml"
    policy.write_text(f"disclaimers:\n  - id: ours-v1\n    text: {FAKE_DISCLAIMER}\n")
    return run([bin_dir / "releasegate", "run", "--stage", "smoke"], folder, OPENAI_API_KEY=TOKEN)


def test_the_wheel_has_the_suites_and_no_repository_on_its_path(venv, tmp_path):
    code = "import releasegate.layout as l; print(l.builtin_suites())"
    result = run([venv / "bin" / "python", "-c", code], tmp_path)
    assert result.returncode == 0, result.stderr
    suites = Path(result.stdout.strip())
    assert suites.is_relative_to(venv)
    assert (suites / "smoke" / "test_smoke.py").is_file()


def test_an_openai_compatible_bot_is_gated_from_an_empty_folder(venv, tmp_path, openai):
    result = first_day(venv, tmp_path / "team", "openai", openai.base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROMOTE: all 2 checks pass" in result.stdout
    everything = "".join(
        p.read_text(errors="replace") for p in (tmp_path / "team").rglob("*") if p.is_file()
    )
    assert TOKEN not in everything + result.stdout + result.stderr


def test_a_rasa_bot_with_its_disclaimer_in_a_second_message_is_gated(venv, tmp_path, rasa):
    result = first_day(venv, tmp_path / "team", "rasa", rasa.base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PROMOTE: all 2 checks pass" in result.stdout
    assert "not applicable to this target" in result.stdout


def test_pytest_m_smoke_runs_the_installed_suites_in_that_folder(venv, tmp_path, rasa):
    first_day(venv, tmp_path / "team", "rasa", rasa.base_url)
    result = run([venv / "bin" / "pytest", "-m", "smoke", "-q", "-p", "no:cacheprovider"],
                 tmp_path / "team")  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed, 4 skipped" in result.stdout
