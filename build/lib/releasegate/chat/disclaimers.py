"""The disclaimer registry: approved texts, matched after normalizing what renders the same."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TRANSLATE = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Casefold, unify quotes, dashes and whitespace: formatting must not fail a disclaimer."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Disclaimer:
    id: str
    text: str


class DisclaimerRegistry:
    def __init__(self, disclaimers: list[Disclaimer]) -> None:
        self.disclaimers = disclaimers
        self._normalized = [(d, normalize(d.text)) for d in disclaimers]

    def find(self, reply: str) -> Disclaimer | None:
        """The approved disclaimer the reply carries in full, if any."""
        text = normalize(reply)
        return next((d for d, norm in self._normalized if norm in text), None)
