"""``plain()``: the text every detector reads and the map back to the reply behind every
excerpt. Expected values were taken from the per-character implementation it replaced, so a
faster one must normalize and map alike."""

from __future__ import annotations

import pytest

from releasegate.chat.detectors import Exchange
from releasegate.chat.detectors.base import plain

CASES = [
    # whitespace: runs collapse, a no-break space too, none at either end
    ("  Due:\u00a0 May 1 \n\n", True, "due: may 1", (2, 3, 4, 5, 6, 8, 9, 10, 11, 12)),
    # tags and entities; a block tag ends a line
    (
        "<p>Due <b>May&nbsp;1</b></p><p>Pay</p>",
        True,
        "due may 1\npay",
        (3, 4, 5, 6, 10, 11, 12, 13, 19, 20, 31, 32, 33),
    ),
    # a ligature becomes two letters of one origin; invisible characters go; emphasis goes
    ("\ufb01ne\u200b **print**", True, "fine print", (0, 0, 1, 2, 4, 7, 8, 9, 10, 11)),
    # a run holding a line break is one line break, at the run's first character
    ("a \t\n b", True, "a\nb", (0, 1, 5)),
    # a link's text takes the link's origin; code and emphasis marks go, snake_case stays
    (
        "[the form](http://x/y) `code` snake_case _x_",
        True,
        "the form code snake_case x",
        (0,) * 8 + (22, 24, 25, 26, 27, *range(29, 41), 42),
    ),
    ("d***@x.com jane_doe", False, "d***@x.com jane_doe", tuple(range(19))),
    # quotes and dashes unified, compatibility forms expanded
    ("\u201cSo\u2014so\u201d \u00bd", True, '"so-so" 1\u20442', (0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8)),
]


@pytest.mark.parametrize(("source", "markdown", "text", "origin"), CASES)
def test_plain_text_and_origin(source, markdown, text, origin):
    found = plain(source, markdown=markdown)
    assert (found.text, found.origin, found.source) == (text, origin, source)


def test_exchange_makes_the_plain_reply_once():
    exchange = Exchange("When is it due?", "It is <b>due</b> on May 1.")
    assert exchange.plain_reply is exchange.plain_reply
    assert exchange.plain_reply == plain("It is <b>due</b> on May 1.")
