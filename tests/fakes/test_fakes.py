"""The fake chatbots, exercised as the harness will meet them: real processes over real HTTP.

If a fake drifts from its public contract, end-to-end tests of the harness would prove nothing,
so these tests pin exact payloads, statuses and the command-line behaviour.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest

FAKES = Path(__file__).resolve().parent
TIMEOUT = 3.0
TOKEN = "sk-test-fake"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Plain HTTP on loopback: one idle TLS context spares each client loading the CA bundle (~90 ms).
NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _load_brain() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fakes_brain", FAKES / "brain.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


brain = _load_brain()
DISCLAIMER = brain.DISCLAIMER
PAY = (
    "Property tax bills list the due dates and the accepted ways to pay; late payments can carry "
    "penalties and interest."
)
LEVY = (
    "The tax rate, or levy, is set each year by the local taxing bodies and applied to the "
    "assessed value after exemptions."
)


@dataclass
class Fake:
    """A fake running as a subprocess; ``stop`` sends SIGTERM and returns the exit code."""

    process: subprocess.Popen[str]
    url: str

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)
            raise

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=TIMEOUT, verify=NO_TLS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(script: str, *args: str, env: dict[str, str] | None = None) -> Fake:
    """Start a fake on a free loopback port, without waiting for it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(FAKES / script), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return Fake(process, f"http://127.0.0.1:{port}")


def wait_ready(fake: Fake) -> httpx.Client:
    """Poll until the fake answers HTTP (any status); a client on it, or fail with its stderr."""
    client = fake.client()
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            client.get("/health", timeout=0.5)
            return client
        except httpx.TransportError:
            if fake.process.poll() is not None or time.monotonic() > deadline:
                client.close()
                fake.stop()
                _, stderr = fake.process.communicate(timeout=TIMEOUT)
                pytest.fail(f"{fake.process.args} did not start: {stderr}")
            time.sleep(0.01)


# Every server the tests talk to, started together once: Python start-up dominates, so they
# boot in parallel. name -> (script, arguments, extra environment).
SERVERS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "rasa": ("rasa_rest.py", (), {}),
    "rasa_shared_sender": ("rasa_rest.py", ("--fault", "shared_sender"), {}),
    "rasa_object_reply": ("rasa_rest.py", ("--fault", "object_reply"), {}),
    "rasa_no_disclaimer": ("rasa_rest.py", ("--fault", "no_disclaimer"), {}),
    "openai": ("openai_chat.py", (), {"FAKE_OPENAI_TOKEN": ""}),
    "openai_no_disclaimer": ("openai_chat.py", ("--fault", "no_disclaimer"), {}),
    "openai_bad_shape": ("openai_chat.py", ("--fault", "bad_shape"), {}),
    "openai_env_token": ("openai_chat.py", (), {"FAKE_OPENAI_TOKEN": "sk-from-env"}),
    "openai_flag_token": (
        "openai_chat.py",
        ("--token", "sk-flag"),
        {"FAKE_OPENAI_TOKEN": "sk-from-env"},
    ),
}


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, httpx.Client]]:
    """A ready client per entry of ``SERVERS``; every process is stopped, whatever happens."""
    started: dict[str, Fake] = {}
    clients: dict[str, httpx.Client] = {}
    try:
        for name, (script, args, env) in SERVERS.items():
            started[name] = spawn(script, *args, env=env)
        for name, fake in started.items():
            clients[name] = wait_ready(fake)
        yield clients
    finally:
        for client in clients.values():
            client.close()
        for fake in started.values():
            fake.stop()


@pytest.fixture
def rasa(fakes: dict[str, httpx.Client]) -> httpx.Client:
    return fakes["rasa"]


@pytest.fixture
def openai(fakes: dict[str, httpx.Client]) -> httpx.Client:
    return fakes["openai"]


def say(client: httpx.Client, sender: str, message: str) -> list[dict[str, str]]:
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message})
    assert response.status_code == 200
    return response.json()


def texts(client: httpx.Client, sender: str, message: str) -> list[str]:
    replies = say(client, sender, message)
    assert all(item["recipient_id"] == sender for item in replies)
    return [item["text"] for item in replies]


def complete(
    client: httpx.Client, *user_messages: str, model: str = "fake-tax-1"
) -> httpx.Response:
    messages = [{"role": "system", "content": "You are a property-tax assistant."}]
    for message in user_messages:
        messages += [{"role": "user", "content": message}, {"role": "assistant", "content": "ok"}]
    return client.post(
        "/v1/chat/completions", json={"model": model, "messages": messages[:-1]}, headers=AUTH
    )


def content(response: httpx.Response) -> str:
    assert response.status_code == 200
    return response.json()["choices"][0]["message"]["content"]


# --- the brain ------------------------------------------------------------------------------


def test_brain_replies_by_intent():
    assert brain.reply(["when is my tax due?"]) == [PAY, DISCLAIMER]
    assert brain.reply(["can I pay in person?"]) == [PAY, DISCLAIMER]
    assert brain.reply(["when is my tax due?"], disclaimer=False) == [PAY]
    assert brain.reply(["I want to talk to a human"]) == ["Connecting you with a person now."]
    assert brain.reply(["hello"]) == [brain.GREETING]
    assert brain.reply(["what's the weather?"]) == [brain.OUT_OF_SCOPE]
    assert brain.reply([]) == [brain.OUT_OF_SCOPE]
    assert DISCLAIMER not in brain.reply(["hello"]) + brain.reply(["an agent please"])


def test_brain_uses_a_name_given_earlier():
    assert brain.reply(["my name is ana"])[0].startswith("Nice to meet you, Ana.")
    assert brain.reply(["My name is Ana", "what is the levy?"]) == [f"Ana, t{LEVY[1:]}", DISCLAIMER]
    assert brain.reply(["my name is Ana", "hi", "a person please"]) == [
        "Ana, connecting you with a person now."
    ]
    assert brain.reply(["what is the levy?", "my name is Ana"])[0].startswith("Nice to meet")


def test_tax_answers_never_promise_an_outcome():
    for _, answer in brain.TAX_ANSWERS:
        assert not {"will", "guarantee", "guaranteed", "definitely"} & set(answer.lower().split())


# --- Rasa REST channel ----------------------------------------------------------------------


def test_rasa_root_and_version_are_rasas(rasa: httpx.Client):
    root = rasa.get("/")
    assert (root.status_code, root.text) == (200, "Hello from Rasa: 3.6.20")
    assert root.headers["content-type"].startswith("text/plain")
    version = rasa.get("/version")
    assert version.json() == {"version": "3.6.20", "minimum_compatible_version": "3.5.0"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/metrics"),
        ("GET", "/health"),
        ("GET", "/index.html"),
        ("POST", "/feedback"),
        ("GET", "/webhooks/rest/webhook"),
    ],
)
def test_rasa_has_nothing_else(rasa: httpx.Client, method: str, path: str):
    response = rasa.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"error": f"not found: {method} {path}"}


def test_rasa_answers_a_list_with_the_disclaimer_second(rasa: httpx.Client):
    sender = uuid.uuid4().hex
    assert say(rasa, sender, "When is the tax due?") == [
        {"recipient_id": sender, "text": PAY},
        {"recipient_id": sender, "text": DISCLAIMER},
    ]
    assert texts(rasa, sender, "hello") == [brain.GREETING]


def test_rasa_keeps_history_per_sender(rasa: httpx.Client):
    ana, bo, new = (uuid.uuid4().hex for _ in range(3))
    assert texts(rasa, ana, "my name is Ana")[0].startswith("Nice to meet you, Ana.")
    assert texts(rasa, bo, "my name is Bo")[0].startswith("Nice to meet you, Bo.")
    assert texts(rasa, ana, "when is tax due?") == [f"Ana, p{PAY[1:]}", DISCLAIMER]
    assert texts(rasa, bo, "when is tax due?") == [f"Bo, p{PAY[1:]}", DISCLAIMER]
    assert texts(rasa, new, "when is tax due?") == [PAY, DISCLAIMER]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "request body is not valid JSON"),
        (b'["sender", "message"]', "request body must be a JSON object"),
        (b'{"message": "hi"}', "'sender' and 'message' must both be strings"),
        (b'{"sender": "a", "message": 3}', "'sender' and 'message' must both be strings"),
    ],
)
def test_rasa_rejects_bad_requests(rasa: httpx.Client, body: bytes, error: str):
    response = rasa.post("/webhooks/rest/webhook", content=body)
    assert (response.status_code, response.json()) == (400, {"error": error})


def test_rasa_shared_sender_mixes_histories(fakes: dict[str, httpx.Client]):
    client = fakes["rasa_shared_sender"]
    texts(client, "alice", "my name is Alice")
    assert texts(client, "bob", "when is tax due?") == [f"Alice, p{PAY[1:]}", DISCLAIMER]
    texts(client, "bob", "my name is Bob")
    assert texts(client, "alice", "hello") == [f"Bob, h{brain.GREETING[1:]}"]


def test_rasa_object_reply_breaks_the_contract(fakes: dict[str, httpx.Client]):
    response = fakes["rasa_object_reply"].post(
        "/webhooks/rest/webhook", json={"sender": "a", "message": "When is the tax due?"}
    )
    assert (response.status_code, response.json()) == (200, {"text": f"{PAY}\n\n{DISCLAIMER}"})


def test_rasa_signals_a_handoff_with_a_custom_payload(rasa: httpx.Client):
    sender = uuid.uuid4().hex
    assert say(rasa, sender, "Can I talk to a human?") == [
        {"recipient_id": sender, "text": brain.HANDOFF},
        {"recipient_id": sender, "custom": {"handoff": True}},
    ]


def test_rasa_serves_a_web_chat_page(fakes: dict[str, httpx.Client]):
    page = fakes["rasa"].get("/chat")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<body data-sender="kept">' in page.text
    assert 'id="say"' in page.text
    assert "data-testid" not in page.text  # markup of its own, not taxbot's
    fake = spawn("rasa_rest.py", "--fault", "page_new_sender")
    try:
        client = wait_ready(fake)
        forgetful = client.get("/chat").text
        client.close()
    finally:
        fake.stop()
    assert '<body data-sender="per-message">' in forgetful


def test_rasa_no_disclaimer(fakes: dict[str, httpx.Client]):
    assert texts(fakes["rasa_no_disclaimer"], "a", "When is the tax due?") == [PAY]


# --- OpenAI-compatible chat completions -----------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "You didn't provide an API key (Authorization: Bearer YOUR_KEY)."),
        ({"Authorization": "Bearer sk-wrong"}, "Incorrect API key provided."),
        ({"Authorization": f"Basic {TOKEN}"}, "Incorrect API key provided."),
    ],
)
def test_openai_requires_the_bearer_token(
    openai: httpx.Client, headers: dict[str, str], message: str
):
    for response in (
        openai.get("/v1/models", headers=headers),
        openai.post("/v1/chat/completions", json={"model": "fake-tax-1"}, headers=headers),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        }


def test_openai_lists_its_model_and_health(openai: httpx.Client):
    assert openai.get("/v1/models", headers=AUTH).json() == {
        "object": "list",
        "data": [{"id": "fake-tax-1", "object": "model", "owned_by": "releasegate-tests"}],
    }
    health = openai.get("/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    for path in ("/", "/metrics", "/feedback", "/v1/feedback"):
        assert openai.get(path, headers=AUTH).status_code == 404


def test_openai_completion_has_the_standard_shape(openai: httpx.Client):
    before = int(time.time())
    body = complete(openai, "When is the tax due?").json()
    assert body["id"].startswith("chatcmpl-")
    assert body["object"] == "chat.completion"
    assert before <= body["created"] <= int(time.time())
    assert body["model"] == "fake-tax-1"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": f"{PAY}\n\n{DISCLAIMER}"},
            "finish_reason": "stop",
        }
    ]
    usage = body["usage"]
    assert usage["completion_tokens"] == len(f"{PAY}\n\n{DISCLAIMER}".split())
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_openai_is_stateless(openai: httpx.Client):
    assert content(complete(openai, "my name is Ana")).startswith("Nice to meet you, Ana.")
    # Without the first turn resent, the server knows no name ...
    assert content(complete(openai, "what is the levy?")) == f"{LEVY}\n\n{DISCLAIMER}"
    # ... and with it, the reply depends on turn 1.
    resent = content(complete(openai, "my name is Ana", "what is the levy?"))
    assert resent == f"Ana, t{LEVY[1:]}\n\n{DISCLAIMER}"


def test_openai_rejects_unknown_models_and_bad_bodies(openai: httpx.Client):
    unknown = complete(openai, "hi", model="gpt-4o")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {
        "message": "The model `gpt-4o` does not exist.",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }
    bad = [
        b"{oops",
        b'{"model": "fake-tax-1"}',
        b'{"model": "fake-tax-1", "messages": []}',
        b'{"model": "fake-tax-1", "messages": [{"role": "tool", "content": "x"}]}',
    ]
    for body in bad:
        response = openai.post("/v1/chat/completions", content=body, headers=AUTH)
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("server", "accepted"),
    [
        ("openai", {TOKEN}),
        ("openai_env_token", {"sk-from-env"}),
        ("openai_flag_token", {"sk-flag"}),
    ],
)
def test_openai_token_comes_from_flag_else_env_else_default(
    fakes: dict[str, httpx.Client], server: str, accepted: set[str]
):
    for token in (TOKEN, "sk-from-env", "sk-flag"):
        response = fakes[server].get("/v1/models", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == (200 if token in accepted else 401)


def test_openai_no_disclaimer(fakes: dict[str, httpx.Client]):
    assert content(complete(fakes["openai_no_disclaimer"], "When is the tax due?")) == PAY


def test_openai_bad_shape_breaks_the_contract(fakes: dict[str, httpx.Client]):
    response = complete(fakes["openai_bad_shape"], "When is the tax due?")
    assert (response.status_code, response.json()) == (200, {"output": f"{PAY}\n\n{DISCLAIMER}"})


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("script", ["rasa_rest.py", "openai_chat.py"])
def test_listens_on_loopback_and_exits_cleanly_on_sigterm(script: str):
    fake = spawn(script, "--fault", "no_disclaimer")
    try:
        client = wait_ready(fake)
        assert client.get("/nope").status_code == 404
        client.close()
    finally:
        code = fake.stop()
    assert code == 0
    stdout, stderr = fake.process.communicate(timeout=TIMEOUT)
    name = script.removesuffix(".py")
    assert stdout == f"{name} listening on {fake.url} (faults: no_disclaimer)\n"
    assert stderr == ""


@pytest.mark.parametrize("script", ["rasa_rest.py", "openai_chat.py"])
def test_unknown_fault_is_one_line_and_exit_2(script: str):
    result = subprocess.run(
        [sys.executable, str(FAKES / script), "--port", str(free_port()), "--fault", "nope"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "unknown fault 'nope'" in result.stderr
