"""``releasegate init``: scaffold a project that gates its own chatbot.

It writes a commented ``releasegate.toml`` and ``conversations/policy.yaml`` that load as they
are, so a new team starts from a working config and edits it, rather than from the
reference. The preset's fields are generated from ``PRESETS`` so the comments never drift from
what the preset really does. With ``--base-url`` it first asks the running target which chat
contract and which endpoints answer (a few GETs and at most one chat turn per contract tried,
short timeouts: it is the user's own target, and init must not load it), and writes that.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from releasegate.chat.contract import (
    ENV_REFERENCE,
    PRESETS,
    ChatContract,
    resolve_headers,
    unset_variable,
)
from releasegate.chat.engine import (
    ChatFailure,
    ChatRequest,
    ChatResponse,
    ContractError,
    Conversation,
    excerpt,
    first_model,
)
from releasegate.chat.policy import POLICY_FILE
from releasegate.config import CAPABILITIES, Capability, Config, FeedbackContract, TargetConfig
from releasegate.errors import UserError
from releasegate.evidence import registry
from releasegate.evidence.kinds.tests import measure_executed, measure_pass_rate
from releasegate.http import TargetSession, TargetUnreachable, describe_transport_error
from releasegate.layout import DEFAULT_CONFIG
from releasegate.redaction import redact
from releasegate.target import Auth, normalize_base_url
from releasegate.validation import unknown_name

DEFAULT_PRESET = "taxbot"
PROBE_TIMEOUT_S = 2.0
PROBE_MESSAGE = "Hello"
HEALTH_PATHS = ("/healthz", "/health", "/")
CONVERSATIONS = "conversations"
PLACEHOLDER_ID = "replace-me-v1"
PRESET_STYLES = {
    "taxbot": "session JSON, the server makes the conversation id",
    "rasa": "Rasa's REST channel, a list of messages per reply",
    "openai": "OpenAI-compatible chat completions, the client sends the history",
}

Say = Callable[[str], None]


# --- TOML values -------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_string(text: str) -> str:
    """A TOML basic string; control characters (and DEL, which TOML forbids raw) escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def toml_value(value: Any) -> str:
    """One value as inline TOML, so a preset's fields can be shown exactly as a user writes
    them (tables inline, on one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{" + items + "}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


# --- probing -----------------------------------------------------------------------------------


class _NoAnswer(Exception):
    """The request got no HTTP answer at all (refused, timed out, broken)."""


@dataclass
class Attempt:
    """One chat contract tried against the target."""

    preset: str
    answered: bool
    reason: str = ""  # why it did not answer, or why it was not tried


@dataclass
class Probe:
    """What the running target answered."""

    base_url: str
    reachable: bool = True
    error: str = ""  # why nothing answered, when unreachable
    preset: str | None = None  # the preset that answered a chat turn
    attempts: list[Attempt] = field(default_factory=list)
    capabilities: list[Capability] = field(default_factory=list)
    health_path: str | None = None
    health_status: str | None = None
    notes: list[str] = field(default_factory=list)


class _Prober:
    """Requests to the target with a short timeout and no retries; each GET is sent once and
    remembered, so probing ``/`` for health and for the page costs one request."""

    def __init__(self, base_url: str, auth: Auth | None) -> None:
        self.session = TargetSession(base_url, PROBE_TIMEOUT_S, auth=auth, retries=0)
        self._gets: dict[str, requests.Response | None] = {}
        self.error = ""  # the first request that got no answer, and why

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, path, timeout=PROBE_TIMEOUT_S, **kwargs)
        except TargetUnreachable as exc:
            raise _NoAnswer(str(exc)) from None
        except requests.RequestException as exc:
            raise _NoAnswer(f"{method} {path}: {describe_transport_error(exc)}") from None

    def get(self, path: str) -> requests.Response | None:
        """The answer to ``GET path``, or None when there was none."""
        if path not in self._gets:
            try:
                self._gets[path] = self.request("GET", path)
            except _NoAnswer as exc:
                self.error = self.error or str(exc)
                self._gets[path] = None
        return self._gets[path]

    def answers(self, path: str) -> requests.Response | None:
        """The answer when it is one that counts (< 400), else None."""
        response = self.get(path)
        return response if response is not None and response.status_code < 400 else None

    def close(self) -> None:
        self.session.close()


class _ProbeTransport:
    """The chat engine's transport over the prober: the short timeout whatever the contract
    says, since init asks whether something answers and must not wait on a slow bot."""

    def __init__(self, prober: _Prober) -> None:
        self.prober = prober

    def send(self, request: ChatRequest, timeout_s: float) -> ChatResponse:
        try:
            response = self.prober.request(
                request.method, request.path, json=request.body, headers=dict(request.headers)
            )
        except _NoAnswer as exc:
            raise ChatFailure(str(exc)) from None
        return ChatResponse(response.status_code, response.text, response.elapsed.total_seconds())


def _try_chat(prober: _Prober, name: str) -> Attempt:
    """Send one greeting the way the preset says; it answers when the reply reads as a turn."""
    contract = ChatContract.model_validate({"preset": name})
    if unset := unset_variable(" ".join(contract.headers.values()), os.environ):
        return Attempt(
            name,
            answered=False,
            reason=f"not tried: {unset} is not set (the {name} preset sends it in a header)",
        )
    headers = resolve_headers(contract.headers, "target.chat.headers")
    transport = _ProbeTransport(prober)
    try:
        model = contract.model
        if model is None and "{model}" in json.dumps(contract.body):
            model = first_model(contract, transport, headers)
        Conversation(contract, transport, headers, model).send(PROBE_MESSAGE)
    except (ContractError, ChatFailure) as exc:
        return Attempt(name, answered=False, reason=excerpt(str(exc), 160))
    return Attempt(name, answered=True)


def _is_json(response: requests.Response) -> Any:
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def _has_samples(text: str) -> bool:
    from prometheus_client.parser import text_string_to_metric_families

    try:
        return any(family.samples for family in text_string_to_metric_families(text))
    except Exception:  # the parser raises assorted errors on text that is not Prometheus's
        return False


def probe(base_url: str, auth: Auth | None, presets: Sequence[str]) -> Probe:
    """Ask the target which contract and which capabilities answer, one request each."""
    found = Probe(base_url)
    prober = _Prober(base_url, auth)
    try:
        if prober.get(HEALTH_PATHS[0]) is None:  # no answer at all: nothing else would answer
            found.reachable, found.error = False, prober.error
            return found
        _probe_health(prober, found)
        for name in presets:
            attempt = _try_chat(prober, name)
            found.attempts.append(attempt)
            if attempt.answered:
                found.preset = name
                break
        _probe_endpoints(prober, found)
    finally:
        prober.close()
    return found


def _probe_health(prober: _Prober, found: Probe) -> None:
    for path in HEALTH_PATHS:
        response = prober.answers(path)
        if response is None:
            continue
        found.capabilities.append("health")
        found.health_path = path
        body = _is_json(response)
        ok = TargetConfig.model_fields["health_ok"].default
        if isinstance(body, dict) and body.get("status") in ok:
            found.health_status = "$.status"
        return


def _probe_endpoints(prober: _Prober, found: Probe) -> None:
    defaults = TargetConfig.model_fields
    if prober.answers(defaults["ready_path"].default):
        found.capabilities.append("readiness")
    version = prober.answers(defaults["version_path"].default)
    if version is not None and _is_json(version) is not None:
        found.capabilities.append("version")
    metrics = prober.answers(defaults["metrics_path"].default)
    if metrics is not None and _has_samples(metrics.text):
        found.capabilities.append("metrics")
    page = prober.answers(defaults["page_path"].default)
    if page is not None and page.headers.get("content-type", "").startswith("text/html"):
        found.capabilities.append("page")
    if found.preset == "taxbot":
        found.capabilities.append("feedback")
        found.notes.append(
            "feedback: assumed with the taxbot contract, not probed (init never POSTs a rating)"
        )
        found.capabilities.append("leads")
        found.notes.append("leads: assumed with the taxbot contract, not probed")
    else:
        found.notes.append(
            "feedback: not probed (init never POSTs a rating); add it to capabilities if the "
            "target takes ratings as [target.feedback] describes"
        )
    found.capabilities.sort(key=CAPABILITIES.index)


# --- the files ---------------------------------------------------------------------------------


def _default_capabilities(preset: str) -> list[Capability]:
    """Without a probe: everything, but feedback and leads only for taxbot (whose API the
    defaults describe)."""
    return [c for c in CAPABILITIES if c not in ("feedback", "leads") or preset == "taxbot"]


def _commented(lines: Iterable[str]) -> list[str]:
    return [f"# {line}" if line else "#" for line in lines]


def render_config(name: str, preset: str, base_url: str | None, found: Probe | None) -> str:
    """The commented releasegate.toml."""
    defaults = TargetConfig.model_fields
    probed = found is not None and found.reachable
    capabilities = found.capabilities if found and probed else _default_capabilities(preset)
    health_path = (found.health_path if found else None) or defaults["health_path"].default
    health_status = found.health_status if found else None
    lines = [
        f"# releasegate configuration for {' '.join(name.split())}: the target under test,",
        "# the pipeline stages and the policy that decides. Written by `releasegate init`: edit",
        "# it freely. Every key is described in releasegate's configuration reference",
        "# (docs/policy.md). Paths are relative to this file.",
        "",
        'default_stage = "smoke"',
        "# The built-in suites always run; a suites/ folder beside this file adds your own.",
        f"conversations_dir = {toml_value(CONVERSATIONS)}",
        "",
        "[target]",
        f"name = {toml_value(name)}",
    ]
    if base_url:
        lines += [
            "# The deployment to test (`releasegate run --base-url URL` tests another one).",
            "# Credentials never go in this URL: send them in headers read from the environment,",
            '# e.g. headers = {Authorization = "Bearer ${MY_API_TOKEN}"}',
            f"base_url = {toml_value(base_url)}",
        ]
    else:
        lines += [
            "# Where the target is: set one of these two (or pass --base-url URL to run).",
            "# A running deployment:",
            '# base_url = "https://staging.example.com"',
            "# Or a command that serves it, started on a free loopback port for each run and",
            "# stopped after it. Placeholders: {python} this interpreter, {port} the free port,",
            "# {host} 127.0.0.1, {tmpdir} a fresh folder removed after the run.",
            '# launch = "{python} -m myapp --host {host} --port {port}"',
            "# startup_timeout_s = 30",
            "# Credentials never go in a URL: send them in headers read from the environment,",
            '# e.g. headers = {Authorization = "Bearer ${MY_API_TOKEN}"}',
        ]
    if found and probed:
        origin = f"What answered at {found.base_url} when init probed it."
    else:
        origin = "Not probed: remove what your target lacks."
    lines += [
        f"# What the target has besides chat, of: {', '.join(CAPABILITIES)}.",
        "# Tests of the others are recorded as not applicable, visibly.",
        f"# {origin}",
        f"capabilities = {toml_value(list(capabilities))}",
        f"health_path = {toml_value(health_path)}",
    ]
    status_line = f"health_status = {toml_value(health_status or '$.status')}"
    status_help = "# JSONPath checked against health_ok; omit to accept any 2xx"
    lines.append(
        f"{status_line}  {status_help}" if health_status else f"# {status_line}  {status_help}"
    )
    lines += [
        f"ready_path = {toml_value(defaults['ready_path'].default)}",
        f"version_path = {toml_value(defaults['version_path'].default)}",
        f"version = {toml_value(defaults['version'].default)}  # JSONPath into its JSON",
        f"metrics_path = {toml_value(defaults['metrics_path'].default)}  # Prometheus text",
        f"page_path = {toml_value(defaults['page_path'].default)}  # the HTML chat page",
        "",
        *_chat_section(preset),
        "",
        *_feedback_section(),
        "",
        *_stages_and_policy(),
    ]
    return "\n".join(lines) + "\n"


def _chat_section(preset: str) -> list[str]:
    lines = ["[target.chat]", "# The chat contract, from a preset:"]
    lines += [f'#   "{n}": {PRESET_STYLES.get(n, "see docs/policy.md")}' for n in PRESETS]
    lines += [
        f"# The {preset} preset's fields are below, commented out: set one to override it.",
        "# Other fields (roles, system_prompt, reply_join, timeout_s, retries, ...):",
        "# docs/policy.md.",
        f"preset = {toml_value(preset)}",
    ]
    fields = PRESETS[preset]
    for header, value in fields.get("headers", {}).items():
        for variable in ENV_REFERENCE.findall(value):
            lines += [
                f"# The token comes from the environment: export {variable} before running.",
                f"# It is sent as {header} = {toml_value(value)} (the headers field",
                "# below), and never written into a report.",
            ]
    if "{model}" in json.dumps(fields.get("body", {})):
        models = fields.get("models_path") or "/v1/models"
        lines += [
            f"# The model: when unset, releasegate asks GET {models} and uses the first model",
            "# listed; to pin one, set model to its name.",
        ]
    lines += _commented(f"{key} = {toml_value(value)}" for key, value in fields.items())
    lines += [
        "# The one question smoke asks: its answer must carry an approved disclaimer",
        f"# ({CONVERSATIONS}/{POLICY_FILE}). Ask something your bot answers with its disclaimer.",
        f"smoke_message = {toml_value(ChatContract.model_fields['smoke_message'].default)}",
    ]
    return lines


def _feedback_section() -> list[str]:
    defaults = FeedbackContract.model_fields
    return [
        '# With "feedback" in capabilities, smoke posts one rating (these are the defaults):',
        "# [target.feedback]",
        *_commented(f"{key} = {toml_value(info.default)}" for key, info in defaults.items()),
    ]


def _metric(measure: registry.Measure) -> str:
    """A metric's registered name: each is written once, by its kind, so a rename reaches
    the scaffold too."""
    return next(m.name for m in registry.metrics().values() if m.measure is measure)


def _stages_and_policy() -> list[str]:
    return [
        "[stages.smoke]",
        'description = "Is the deployment alive? Fast, and safe against production."',
        'suites = ["smoke"]',
        'checks = ["smoke_pass_rate", "smoke_min_tests"]',
        "",
        "# The gate before promotion. The same as smoke for now: add suites (e2e, compliance,",
        "# a11y, monitoring, security) and their checks as you adopt them.",
        "[stages.staging]",
        'description = "The gate before promotion to production."',
        'suites = ["smoke"]',
        'checks = ["smoke_pass_rate", "smoke_min_tests"]',
        "",
        "[policy]",
        "# Evidence older than this is stale and counts as missing.",
        "evidence_max_age_hours = 24",
        "",
        "[policy.checks.smoke_pass_rate]",
        'description = "Every smoke test passes"',
        'requirement = "Deployment plan: smoke 100 %"',
        f"metric = {toml_value(_metric(measure_pass_rate))}",
        'select = {suite = "smoke"}',
        'op = ">="',
        "threshold = 1.0",
        "min_samples = 5",
        "",
        "[policy.checks.smoke_min_tests]",
        'description = "Enough smoke tests ran to judge the build"',
        f"metric = {toml_value(_metric(measure_executed))}",
        'select = {suite = "smoke"}',
        'op = ">="',
        "threshold = 5",
    ]


def render_policy() -> str:
    """The disclaimer registry with one placeholder that smoke fails on until replaced."""
    return f"""\
# The conversation policy: the rules every bot turn is held to. Its format, and the detectors
# that extend it, are described in releasegate's docs/conversations.md.
disclaimers:
  # Your approved disclaimer texts, word for word. A reply carries a disclaimer when it contains
  # one of them in full, after normalizing case, quotes, dashes and whitespace. Smoke fails
  # until the placeholder below is replaced by the text your bot really sends.
  - id: {PLACEHOLDER_ID}
    text: >-
      PLACEHOLDER: replace this text with your team's approved disclaimer, word for word, and
      give it an id of its own (for example acme-general-v1).
"""


# --- the command -------------------------------------------------------------------------------


def _check_renders(text: str) -> None:
    """A bug in the template must not leave a user with a config that does not load."""
    Config.model_validate(tomllib.loads(text))


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None


def _report(found: Probe, preset: str, asked: str | None, config_path: Path) -> list[str]:
    url = found.base_url
    if not found.reachable:
        return [
            f"releasegate init: {url} did not answer ({found.error}): is it running? "
            f"Nothing could be probed, so the {preset} preset and its usual capabilities were "
            "written: check them",
        ]
    if found.preset:
        contract = f"answers the {found.preset} contract"
    elif asked:
        contract = f"does not answer the {asked} contract"
    else:
        contract = "answers none of the chat contracts tried"
    absent = [c for c in CAPABILITIES if c not in found.capabilities]
    shown = [f"{c} ({found.health_path})" if c == "health" else c for c in found.capabilities]
    lines = [
        f"releasegate init: {url} {contract}; capabilities: {', '.join(shown) or 'none'}; "
        f"not found: {', '.join(absent) or 'none'}"
    ]
    if not found.preset:
        lines += [f"  {a.preset}: {a.reason}" for a in found.attempts]
        lines.append(
            f"  wrote the {preset} preset: edit [target.chat] in {config_path} to match the "
            "bot's chat API (docs/policy.md)"
        )
    lines += [f"  {note}" for note in found.notes]
    return lines


def init(
    folder: Path,
    preset: str | None = None,
    base_url: str | None = None,
    force: bool = False,
    say: Say = print,
) -> int:
    """Write the two files (probing ``base_url`` first); UserError for anything the user can
    fix, before anything is written."""
    if preset is not None and preset not in PRESETS:
        raise UserError(f"--preset: {unknown_name('preset', preset, list(PRESETS))}")
    clean_url, auth = normalize_base_url(base_url) if base_url else (None, None)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--dir: {folder} is not a folder")
    config_path = folder / DEFAULT_CONFIG
    policy_path = folder / CONVERSATIONS / POLICY_FILE
    existing = [str(p) for p in (config_path, policy_path) if p.exists()]
    if existing and not force:
        raise UserError(
            f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}: "
            "pass --force to overwrite"
        )

    found = None
    if clean_url:
        found = probe(clean_url, auth, [preset] if preset else list(PRESETS))
    chosen = (found.preset if found else None) or preset or DEFAULT_PRESET
    name = folder.resolve().name or "chatbot"
    config_text = render_config(name, chosen, clean_url, found)
    _check_renders(config_text)
    _write(config_path, config_text)
    _write(policy_path, render_policy())

    lines = _report(found, chosen, preset, config_path) if found else []
    if auth is not None:
        lines.append(
            "  the URL's user-info was used to probe but not written: send credentials in "
            "[target] headers read from the environment"
        )
    lines.append(f"releasegate init: wrote {config_path} and {policy_path}")
    lines += _next_steps(folder, config_path, policy_path, has_target=clean_url is not None)
    for line in lines:
        say(redact(line))
    return 0


def _next_steps(folder: Path, config_path: Path, policy_path: Path, has_target: bool) -> list[str]:
    steps = [f"replace the placeholder disclaimer in {policy_path} with your approved text"]
    where = "" if has_target else "set base_url or launch, "
    steps.append(
        f"check {config_path}: {where}capabilities, and [target.chat] smoke_message (a "
        "question your bot answers with that disclaimer)"
    )
    cd = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    steps.append(f"{cd}releasegate run --stage smoke")
    return ["next steps:", *(f"  {i}. {step}" for i, step in enumerate(steps, 1))]
