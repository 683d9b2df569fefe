"""``releasegate init`` through the real CLI entry: the files it writes load as the harness
reads them, it never overwrites by accident, and with ``--base-url`` it reports what real
servers (the fake Rasa and OpenAI bots, the bundled taxbot) actually answer."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from releasegate.chat.contract import PRESETS, ChatContract
from releasegate.chat.policy import load_policy
from releasegate.cli import main
from releasegate.config import CAPABILITIES, Config, load_config

ROOT = Path(__file__).resolve().parents[2]
FAKES = ROOT / "tests" / "fakes"
TOKEN = "sk-init-probe-7f3a9c41"  # distinctive: registered secrets are masked process-wide
PASSWORD = "init-pw-5e8d1b22"
START_TIMEOUT_S = 30.0
SMOKE_CHECKS = ("smoke_pass_rate", "smoke_min_tests")


@pytest.fixture(autouse=True)
def _restore_sigterm() -> Iterator[None]:
    """main() installs its SIGTERM handler; the test process keeps its own."""
    handler = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, handler)


def init(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["init", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def written(folder: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(folder.rglob("*")) if p.is_file())


def chat_comments(config_text: str) -> str:
    """The commented ``key = value`` lines of ``[target.chat]``, uncommented."""
    section = config_text.split("[target.chat]\n", 1)[1].split("\n\n", 1)[0]
    return "\n".join(line[2:] for line in section.splitlines() if re.match(r"# [a-z_]+ = ", line))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", list(PRESETS))
def test_each_preset_writes_files_that_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], preset: str
) -> None:
    folder = tmp_path / "acme-bot"  # missing: init creates it
    code, out, err = init(capsys, "--preset", preset, "--dir", folder)
    assert (code, err) == (0, "")

    config = load_config(folder / "releasegate.toml")
    assert config.target.chat == ChatContract.model_validate({"preset": preset})
    assert config.target.name == "acme-bot"
    assert (config.target.base_url, config.target.launch) == (None, None)
    assumed = ["feedback", "leads"]
    own = assumed if preset == "taxbot" else []
    assert config.target.capabilities == [c for c in CAPABILITIES if c not in assumed] + own
    assert config.default_stage == "smoke"
    assert {name: (s.suites, s.checks) for name, s in config.stages.items()} == {
        "smoke": (["smoke"], list(SMOKE_CHECKS)),
        "staging": (["smoke"], list(SMOKE_CHECKS)),
    }
    shipped = load_config(ROOT / "releasegate.toml").policy.checks
    assert config.policy.checks == {check: shipped[check] for check in SMOKE_CHECKS}

    policy = load_policy(folder / "conversations" / "policy.yaml")
    assert [(d.id, "PLACEHOLDER" in d.text) for d in policy.disclaimers] == [
        ("replace-me-v1", True)
    ]
    assert config.conversation_policy() == policy
    assert f"wrote {folder}/releasegate.toml and {folder}/conversations/policy.yaml" in out
    assert f"cd {folder} && releasegate run --stage smoke" in out


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_presets_fields_are_shown_and_uncommenting_them_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], preset: str
) -> None:
    init(capsys, "--preset", preset, "--dir", tmp_path)
    text = (tmp_path / "releasegate.toml").read_text()
    shown = chat_comments(text)
    assert tomllib.loads(shown) == PRESETS[preset]

    uncommented = text
    for line in shown.splitlines():  # the chat section comes first: its line is the one found
        uncommented = uncommented.replace(f"\n# {line}\n", f"\n{line}\n", 1)
    assert chat_comments(uncommented) == ""
    (tmp_path / "releasegate.toml").write_text(uncommented)
    assert load_config(tmp_path / "releasegate.toml").target.chat == ChatContract.model_validate(
        {"preset": preset}
    )


def test_openai_says_where_the_token_and_the_model_come_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, "--preset", "openai", "--dir", tmp_path)
    comments = (tmp_path / "releasegate.toml").read_text().splitlines()
    assert any("export OPENAI_API_KEY" in line and line.startswith("#") for line in comments)
    assert any('Authorization = "Bearer ${OPENAI_API_KEY}"' in line for line in comments)
    assert any("GET /v1/models" in line and line.startswith("#") for line in comments)


def test_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "releasegate.toml"
    config.write_text("# ours\n")
    code, out, err = init(capsys, "--dir", tmp_path)
    assert code == 2
    assert out == ""
    assert err == (f"releasegate: error: {config} already exists: pass --force to overwrite\n")
    assert config.read_text() == "# ours\n"
    assert not (tmp_path / "conversations").exists()  # nothing half-written

    code, _, err = init(capsys, "--dir", tmp_path, "--force")
    assert (code, err) == (0, "")
    assert load_config(config).target.chat.preset == "taxbot"


def test_an_existing_policy_alone_also_stops_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "conversations" / "policy.yaml"
    policy.parent.mkdir()
    policy.write_text("disclaimers: []\n")
    code, _, err = init(capsys, "--dir", tmp_path, "--preset", "rasa")
    assert code == 2
    assert err.count("\n") == 1
    assert str(policy) in err
    assert "--force" in err
    assert policy.read_text() == "disclaimers: []\n"
    assert not (tmp_path / "releasegate.toml").exists()


def test_unknown_preset_is_one_line_with_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = init(capsys, "--preset", "rasaa", "--dir", tmp_path)
    assert (code, out) == (2, "")
    assert err == "releasegate: error: --preset: unknown preset 'rasaa' (did you mean 'rasa'?)\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["ftp://example.com", "http://", "localhost:8000"])
def test_bad_base_url_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    code, out, err = init(capsys, "--base-url", url, "--dir", tmp_path)
    assert (code, out) == (2, "")
    assert err.startswith("releasegate: error: --base-url: ")
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_help_lists_every_preset(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["init", "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for name in PRESETS:
        assert name in out
    for option in ("--preset NAME", "--base-url URL", "--force", "--dir DIR"):
        assert option in out


def test_a_target_that_does_not_answer_still_gets_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = init(capsys, "--base-url", url, "--dir", tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith(f"releasegate init: {url} did not answer (GET {url}/healthz: ")
    config = load_config(tmp_path / "releasegate.toml")
    assert config.target.base_url == url
    assert config.target.chat.preset == "taxbot"
    assert config.target.capabilities == list(CAPABILITIES)


# --- probing real servers ----------------------------------------------------------------------


def _start(command: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "TAXBOT_FAULTS"}
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait(process: subprocess.Popen[bytes], url: str) -> None:
    """Until it answers HTTP at all (any status), or fail with its stderr."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            requests.get(url + "/", timeout=0.5)
            return
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, stderr = process.communicate(timeout=5)
                pytest.fail(f"{process.args} did not start: {stderr.decode(errors='replace')}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The three targets, started together once (Python start-up dominates)."""
    folder = tmp_path_factory.mktemp("servers")
    ports = {name: free_port() for name in ("rasa", "openai", "taxbot")}
    commands = {
        "rasa": [sys.executable, str(FAKES / "rasa_rest.py"), "--port", str(ports["rasa"])],
        "openai": [
            sys.executable,
            str(FAKES / "openai_chat.py"),
            "--port",
            str(ports["openai"]),
            "--token",
            TOKEN,
        ],
        "taxbot": [
            sys.executable,
            "-m",
            "taxbot",
            "--host",
            "127.0.0.1",
            "--port",
            str(ports["taxbot"]),
            "--db",
            str(folder / "taxbot.db"),
        ],
    }
    processes = {name: _start(command, folder) for name, command in commands.items()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for name, process in processes.items():
            _wait(process, urls[name])
        yield urls
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def test_probe_finds_rasa(
    servers: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = servers["rasa"]
    code, out, err = init(capsys, "--base-url", url, "--dir", tmp_path)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"releasegate init: {url} answers the rasa contract; capabilities: health (/), "
        "version; not found: readiness, metrics, page, feedback, leads"
    )
    assert "feedback: not probed" in out
    target = load_config(tmp_path / "releasegate.toml").target
    assert target.chat == ChatContract.model_validate({"preset": "rasa"})
    assert target.capabilities == ["health", "version"]
    assert (target.base_url, target.health_path, target.health_status) == (url, "/", None)


def test_probe_finds_openai_with_the_key(
    servers: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", TOKEN)
    url = servers["openai"]
    code, out, err = init(capsys, "--base-url", url, "--dir", tmp_path)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"releasegate init: {url} answers the openai contract; capabilities: health (/health); "
        "not found: readiness, version, metrics, page, feedback, leads"
    )
    target = load_config(tmp_path / "releasegate.toml").target
    assert target.chat == ChatContract.model_validate({"preset": "openai"})
    assert target.capabilities == ["health"]
    assert (target.health_path, target.health_status) == ("/health", "$.status")
    assert TOKEN not in out + written(tmp_path)


def test_probe_without_the_key_skips_openai_and_says_why(
    servers: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    url = servers["openai"]
    code, out, err = init(capsys, "--base-url", url, "--dir", tmp_path)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"releasegate init: {url} answers none of the chat contracts tried;")
    assert lines[1].startswith("  taxbot: POST /api/chat answered 404: ")
    assert lines[2].startswith("  rasa: POST /webhooks/rest/webhook answered 404: ")
    assert lines[3] == (
        "  openai: not tried: OPENAI_API_KEY is not set (the openai preset sends it in a header)"
    )
    assert f"edit [target.chat] in {tmp_path}/releasegate.toml" in lines[4]
    assert load_config(tmp_path / "releasegate.toml").target.chat.preset == "taxbot"


def test_probe_finds_everything_on_taxbot(
    servers: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = servers["taxbot"]
    code, out, err = init(capsys, "--base-url", url, "--dir", tmp_path)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"releasegate init: {url} answers the taxbot contract; capabilities: health (/healthz), "
        "readiness, version, metrics, page, feedback, leads; not found: none"
    )
    target = load_config(tmp_path / "releasegate.toml").target
    assert target.chat == ChatContract.model_validate({"preset": "taxbot"})
    assert target.capabilities == list(CAPABILITIES)
    assert (target.health_path, target.health_status) == ("/healthz", "$.status")


def test_a_given_preset_is_the_only_one_tried(
    servers: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = servers["taxbot"]  # answers taxbot, which must not be tried
    code, out, _ = init(capsys, "--base-url", url, "--preset", "rasa", "--dir", tmp_path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"releasegate init: {url} does not answer the rasa contract;")
    assert lines[1].startswith("  rasa: POST /webhooks/rest/webhook answered 404")
    assert not [line for line in lines if line.startswith(("  taxbot:", "  openai:"))]
    config: Config = load_config(tmp_path / "releasegate.toml")
    assert config.target.chat.preset == "rasa"
    assert "feedback" not in config.target.capabilities


def test_url_user_info_is_never_written_or_shown(
    servers: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = servers["rasa"]
    given = url.replace("http://", f"http://user:{PASSWORD}@")
    code, out, err = init(capsys, "--base-url", given, "--dir", tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith(f"releasegate init: {url} answers the rasa contract;")
    assert "user-info was used to probe but not written" in out
    for text in (out, written(tmp_path)):
        assert PASSWORD not in text
        assert "user:" not in text
    assert load_config(tmp_path / "releasegate.toml").target.base_url == url
