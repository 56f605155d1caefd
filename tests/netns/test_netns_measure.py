"""Scenario tests in a real simulated censoring network (root, ip, nft, tc)."""

from __future__ import annotations

import pytest
from netns_harness import Censornet, skip_reason
from netns_scenarios import SCENARIOS, check

pytestmark = [pytest.mark.netns, pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")]


@pytest.fixture(scope="module")
def net():
    n = Censornet().start()
    try:
        yield n
    finally:
        n.stop()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(net: Censornet, scenario) -> None:
    if net.mode != scenario.mode:
        net.scenario(scenario.mode)
    result = net.measure(scenario.url, scenario.endpoints())
    problems = check(scenario, result)
    assert not problems, (
        problems,
        {
            k: result.get(k)
            for k in ("blocking", "accessible", "blockpage", "dns_consistency", "notes", "layers")
        },
    )
    assert result["vantage"]["country"] == "KZ"
    assert result["measured_at"].endswith("Z")
