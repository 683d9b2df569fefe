"""The ``[load]`` section of releasegate.toml and a stage's ``load`` entry, validated.

No locust here: the config imports this module, and only the Locust side of ``releasegate.load``
may import locust (it monkey-patches the process with gevent).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from releasegate.model import Strict

Pair = Annotated[tuple[float, float], Field(strict=False)]  # TOML has arrays, not tuples
Shape = Literal["ramp", "step", "spike", "soak"]


class Mix(Strict):
    """Relative weights of what a simulated user does between think times."""

    conversation: int = Field(8, ge=0)
    page: int = Field(1, ge=0)
    health: int = Field(1, ge=0)
    feedback: int = Field(1, ge=0)

    @model_validator(mode="after")
    def _something(self) -> Mix:
        if not (self.conversation or self.page or self.health or self.feedback):
            raise ValueError("every weight is 0: the users would do nothing")
        return self


class LoadShapeFields(Strict):
    """What a stage may override."""

    users: int | None = Field(None, ge=1)
    spawn_rate: float | None = Field(None, gt=0)
    duration_s: float | None = Field(None, gt=0)
    shape: Shape | None = None
    think_time_s: Pair | None = None


class LoadSettings(Strict):
    """How the load runs, what it may target and how far it may go."""

    users: int = Field(10, ge=1)
    spawn_rate: float = Field(10.0, gt=0)
    duration_s: float = Field(10.0, gt=0)
    shape: Shape = "ramp"
    steps: int = Field(4, ge=1, le=100)  # the step shape's number of steps
    warmup_s: float = Field(1.0, ge=0)  # after the ramp-up, also left out of the steady window
    think_time_s: Pair = (0.05, 0.2)
    mix: Mix = Mix()
    tags: dict[str, float] = {}  # conversation weight by tag (default 1 for every tag)
    allowed_hosts: list[str] = []  # besides loopback
    max_users: int = Field(50, ge=1)
    max_spawn_rate: float = Field(50.0, gt=0)
    max_duration_s: float = Field(900.0, gt=0)
    max_generator_cpu_percent: float = Field(90.0, gt=0, le=100)
    regression_relative: float = Field(0.20, ge=0)
    regression_floor_ms: float = Field(50.0, ge=0)
    baseline: str | None = None  # a load evidence file or decision.json, relative to the config

    @model_validator(mode="after")
    def _valid(self) -> LoadSettings:
        low, high = self.think_time_s
        if not 0 <= low <= high:
            raise ValueError(
                f"think_time_s: [{low:g}, {high:g}] must be [min, max] seconds with 0 <= min <= max"
            )
        for key, cap in (("users", "max_users"), ("spawn_rate", "max_spawn_rate"),
                         ("duration_s", "max_duration_s")):  # fmt: skip
            value, limit = getattr(self, key), getattr(self, cap)
            if value > limit:
                raise ValueError(
                    f"{key}: {value:g} is above {cap} {limit:g} (raise {cap} in [load] to allow it)"
                )
        if bad := [t for t, w in self.tags.items() if w < 0]:
            raise ValueError(f"tags.{bad[0]}: a weight must be 0 or more")
        return self

    def overridden(self, fields: LoadShapeFields) -> LoadSettings:
        """These settings with a stage's overrides, validated again (caps included)."""
        changes = fields.model_dump(exclude_none=True)
        return LoadSettings.model_validate({**self.model_dump(), **changes})
