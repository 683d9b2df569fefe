"""Load shapes, the cap on a web UI test started without a run time, scripts weighted by tag
and think times from the config: the parts of the load session the CLI runs only exercise with
their defaults."""

from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace

from releasegate.load.plan import users_at, wanted
from releasegate.load.session import Session, _weights
from releasegate.load.settings import LoadSettings


def test_ramp_and_soak_hold_the_users():
    for shape in ("ramp", "soak"):
        assert [users_at(shape, t, 20, 60, 4) for t in (0, 30, 59)] == [20, 20, 20]


def test_step_climbs_in_equal_steps_over_the_run_time():
    assert [users_at("step", t, 20, 60, 4) for t in (0, 14, 15, 30, 45, 59)] == [
        5, 5, 10, 15, 20, 20,
    ]  # fmt: skip


def test_spike_is_all_users_in_the_middle_third_only():
    assert [users_at("spike", t, 20, 60, 4) for t in (0, 19, 20, 39, 40, 59)] == [
        5, 5, 20, 20, 5, 5,
    ]  # fmt: skip


def test_an_open_ended_spike_repeats_every_minute():
    assert users_at("spike", 30, 20, None, 4) == 20
    assert users_at("spike", 90, 20, None, 4) == 20
    assert users_at("spike", 130, 20, None, 4) == 5


def test_a_test_without_a_run_time_stops_at_the_duration_cap(caplog):
    settings = LoadSettings(max_duration_s=60, duration_s=8)
    assert wanted(59, 10, 5.0, None, settings) == (10, 5.0)
    assert wanted(61, 10, 5.0, None, settings) is None
    assert "max_duration_s = 60 s" in caplog.text


def test_a_run_time_ends_the_test_before_the_cap():
    settings = LoadSettings(shape="step", steps=2)
    assert wanted(29, 10, 5.0, 30, settings) == (10, 5.0)
    assert wanted(14, 10, 5.0, 30, settings) == (5, 5.0)  # the session's shape
    assert wanted(31, 10, 5.0, 30, settings) is None


def test_without_releasegate_options_it_is_a_plain_ramp():
    assert wanted(5000, 10, 5.0, None, None) == (10, 5.0)


def _script(tags: list[str]) -> SimpleNamespace:
    return SimpleNamespace(conversation=SimpleNamespace(tags=tags))


def test_a_script_weighs_as_much_as_its_heaviest_tag():
    settings = LoadSettings(tags={"lead": 5, "smalltalk": 0.5})
    scripts = [
        _script(["lead", "smalltalk"]),
        _script(["smalltalk"]),
        _script(["faq"]),
        _script([]),
    ]
    assert _weights(scripts, settings) == [5.0, 0.5, 1.0, 1.0]  # type: ignore[arg-type]


def _session(weights: list[float], think_time_s: tuple[float, float]) -> Session:
    fields = dict.fromkeys(Session.__dataclass_fields__, None)
    fields |= {
        "settings": LoadSettings(think_time_s=think_time_s),
        "scripts": [("heavy", ["h"]), ("light", ["l"])],
        "weights": weights,
    }
    fields.pop("stack")
    return Session(**fields)  # type: ignore[arg-type]


def test_cases_are_picked_in_proportion_to_their_weights():
    random.seed(7)
    session = _session([9, 1], (0, 0))
    picked = Counter(session.pick_case() for _ in range(2000))
    assert 0.86 < picked["h"] / 2000 < 0.94  # 0.9 expected


def test_think_times_stay_within_the_configured_range():
    random.seed(7)
    session = _session([1, 1], (0.2, 0.5))
    waits = [session.think() for _ in range(500)]
    assert 0.2 <= min(waits) < 0.25
    assert 0.45 < max(waits) <= 0.5
