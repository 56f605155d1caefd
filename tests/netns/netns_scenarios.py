"""The censorship techniques simulated by the ISP namespace, with the verdict presswatch must reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netns_harness import BLOCKPAGE_IP, BOGON_IP, DROP_IP, HIJACK_IP, ORIGIN_IP, ORIGIN_IP2


@dataclass(frozen=True)
class Scenario:
    name: str
    mode: str  # ISP behaviour (Censornet.scenario)
    url: str
    expect: dict[str, Any]  # keys of the result that must equal these values
    probe_ips: list[str] = field(default_factory=list)  # what the ISP resolver answers (for the control)
    false_positive_check: bool = False  # a "must never read as blocking" case

    def endpoints(self) -> list[str]:
        port = 443 if self.url.startswith("https") else 80
        return [f"{ip}:{port}" for ip in self.probe_ips]


OK = {"blocking": False, "accessible": True}
SCENARIOS: list[Scenario] = [
    Scenario("none-http", "none", "http://news.example/", OK, [ORIGIN_IP], True),
    Scenario("none-https", "none", "https://news.example/", OK, [ORIGIN_IP], True),
    Scenario(
        "dns-hijack-blockpage",
        "dns-blockpage",
        "http://news.example/",
        {"blocking": "dns", "accessible": False, "blockpage": "presswatch.kz_ru_0"},
        [BLOCKPAGE_IP],
    ),
    Scenario(
        "dns-nxdomain",
        "dns-nxdomain",
        "http://news.example/",
        {"blocking": "dns", "accessible": False, "dns_experiment_failure": "dns_nxdomain_error"},
    ),
    Scenario(
        "dns-bogon", "dns-bogon", "http://news.example/", {"blocking": "dns", "accessible": False}, [BOGON_IP]
    ),
    Scenario(
        "dns-localhost",
        "dns-localhost",
        "http://news.example/",
        {"blocking": "dns", "accessible": False},
        ["127.0.0.1"],
    ),
    Scenario(
        "dns-duplicate-injection",
        "dns-duplicate",
        "http://news.example/",
        {"blocking": False, "accessible": True, "dns_duplicate_responses": True},
        [BLOCKPAGE_IP, ORIGIN_IP],
    ),
    Scenario(
        "dns-transparent-proxy",
        "dns-transparent-proxy",
        "http://news.example/",
        {"blocking": "dns", "accessible": False},
        [HIJACK_IP],
    ),
    Scenario("geodns-cdn", "geodns", "http://news.example/", OK, [ORIGIN_IP2], True),
    Scenario(
        "tcp-rst",
        "tcp-rst",
        "http://news.example/",
        {"blocking": "tcp_ip", "accessible": False, "http_experiment_failure": "connection_refused"},
        [ORIGIN_IP],
    ),
    Scenario(
        "tcp-drop",
        "tcp-drop",
        "http://news.example/",
        {"blocking": "tcp_ip", "accessible": False, "http_experiment_failure": "generic_timeout_error"},
        [ORIGIN_IP],
    ),
    Scenario(
        "http-blockpage-injection",
        "http-blockpage",
        "http://news.example/",
        {"blocking": "http-diff", "accessible": False, "blockpage": "presswatch.kz_ru_0"},
        [ORIGIN_IP],
    ),
    Scenario(
        "http-451",
        "http-451",
        "http://news.example/",
        {"blocking": "http-diff", "accessible": False, "status_code_match": False},
        [ORIGIN_IP],
    ),
    Scenario(
        "tls-sni-reset",
        "tls-sni-reset",
        "https://news.example/",
        {"blocking": "tls", "accessible": False, "http_experiment_failure": "connection_reset"},
        [ORIGIN_IP],
    ),
    Scenario(
        "throttle-timeout",
        "throttle",
        "http://big.example/big",
        {"blocking": "http-failure", "accessible": False, "throttled": True},
        [ORIGIN_IP],
    ),
    Scenario(
        "throttle-slow",
        "throttle-mild",
        "http://big.example/big",
        {"blocking": False, "accessible": True, "throttled": True},
        [ORIGIN_IP],
    ),
    Scenario("flaky-origin", "none", "http://flaky.example/slow", OK, [ORIGIN_IP, DROP_IP], True),
    Scenario(
        "site-down",
        "none",
        "http://down.example/",
        {"blocking": False, "accessible": False, "down": True},
        ["203.0.113.13"],
        True,
    ),
    Scenario(
        "site-gone-nxdomain",
        "none",
        "http://gone.example/",
        {"blocking": False, "accessible": False, "down": True},
        [],
        True,
    ),
    Scenario(
        "cdn-challenge-http",
        "none",
        "http://cdn.example/",
        {"blocking": False, "accessible": False, "server_side_block": "cdn-challenge"},
        [ORIGIN_IP],
        True,
    ),
    Scenario(
        "cdn-challenge-https",
        "none",
        "https://cdn.example/",
        {"blocking": False, "accessible": False, "server_side_block": "cdn-challenge"},
        [ORIGIN_IP],
        True,
    ),
    Scenario(
        "geo-restriction",
        "none",
        "http://geo.example/",
        {"blocking": False, "accessible": False, "server_side_block": "geo-restriction"},
        [ORIGIN_IP],
        True,
    ),
]


def check(s: Scenario, result: dict[str, Any]) -> list[str]:
    """Mismatches between the result and the scenario's expectation (empty = pass)."""
    return [f"{k}: expected {v!r}, got {result.get(k)!r}" for k, v in s.expect.items() if result.get(k) != v]
