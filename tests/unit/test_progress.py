"""Progress: the plugin's feed counts every finished test once (also under pytest-xdist), and
the display is a bar only in an interactive terminal outside CI."""

from __future__ import annotations

import io

import pytest

from releasegate.report.progress import PlainDisplay, RichDisplay, display_for, read_feed


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_the_feed_counts_each_finished_test_once(pytester, workers, tmp_path):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("i", range(7))
        def test_ok(i):
            assert i != 3

        @pytest.fixture
        def broken():
            raise RuntimeError("setup fails")

        def test_setup_error(broken):
            pass

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass
        """
    )
    feed = tmp_path / "feed"
    result = pytester.runpytest_subprocess(
        "--releasegate-progress", str(feed), "-p", "no:cacheprovider", *workers
    )
    result.assert_outcomes(passed=6, failed=1, errors=1, skipped=1)
    assert read_feed(feed) == (9, 9)


def test_a_missing_feed_reads_as_nothing_yet(tmp_path):
    assert read_feed(tmp_path / "none") == (None, 0)


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_only_in_an_interactive_terminal_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert isinstance(display_for(Tty()), RichDisplay)
    assert isinstance(display_for(io.StringIO()), PlainDisplay)
    monkeypatch.setenv("CI", "true")
    assert isinstance(display_for(Tty()), PlainDisplay)
    monkeypatch.delenv("CI")
    monkeypatch.setenv("TERM", "dumb")
    assert isinstance(display_for(Tty()), PlainDisplay)
