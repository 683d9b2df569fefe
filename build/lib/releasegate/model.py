"""The one base model of the package: config, evidence, decisions and conversations all read
user-written or machine-written files, and none of them may guess what a value meant."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Unknown keys are errors (a typo never falls back to a default); types are strict (``"0"``
    is not an int, ``true`` is not a number); NaN and infinity are never numbers."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=True
    )


# JSON has no datetime type: timestamps arrive as ISO 8601 strings, with a time zone.
Timestamp = Annotated[AwareDatetime, Field(strict=False)]
