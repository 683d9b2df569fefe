"""What every security test shares: ``probes``, which records each probe as ``security``
evidence and fails the test on a high-severity finding."""

from __future__ import annotations

import pytest

from releasegate.security.probes import Probes


@pytest.fixture
def probes(releasegate_record, request: pytest.FixtureRequest) -> Probes:
    return Probes(releasegate_record, request.node.nodeid)
