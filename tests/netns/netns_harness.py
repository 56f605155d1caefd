"""A simulated censoring network built from Linux network namespaces (root only).

Topology (addresses only from the documentation ranges)::

    [censored vantage C] 192.0.2.2 ──veth── 192.0.2.1 [ISP I: lying DNS 192.0.2.53, blockpage 192.0.2.80,
                                                         hijack proxy 192.0.2.81, nft/tc censor]
                                                 198.51.100.1 ──veth── 198.51.100.2 [origin O]
    [free vantage F] 198.51.100.130 ──veth── 198.51.100.129 [origin O: web 203.0.113.10/.11,
                                                               dropped .12, closed .13, DNS .53]

``Censornet.scenario(mode)`` switches the ISP's behaviour; ``measure(url)`` runs the control in F and the
probe in C (``presswatch.measure.run_one`` via ``ip netns exec``) and returns the probe's result.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SERVICES = Path(__file__).resolve().parent / "netns_services.py"
PY = (
    str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
)

ORIGIN_IP, ORIGIN_IP2, DROP_IP, CLOSED_IP, HONEST_DNS = (
    "203.0.113.10",
    "203.0.113.11",
    "203.0.113.12",
    "203.0.113.13",
    "203.0.113.53",
)
ISP_DNS, BLOCKPAGE_IP, HIJACK_IP, BOGON_IP = "192.0.2.53", "192.0.2.80", "192.0.2.81", "10.10.34.35"
HOSTS = ["news.example", "cdn.example", "geo.example", "big.example"]
HONEST_RECORDS: dict[str, list[str]] = {
    **{h: [ORIGIN_IP] for h in HOSTS},
    "flaky.example": [ORIGIN_IP, DROP_IP],
    "down.example": [CLOSED_IP],
}
TIMEOUT_ARGS = ["--dns-timeout", "2", "--tcp-timeout", "2", "--tls-timeout", "2", "--http-timeout", "4"]


def skip_reason() -> str | None:
    """Why the netns tests cannot run here (None when they can)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "nft", "tc"):
        if shutil.which(tool) is None:
            return f"needs the '{tool}' command (apt-get install iproute2 nftables)"
    return None


def sh(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:  # noqa: A002
    return subprocess.run(list(args), input=input, capture_output=True, text=True, check=check, timeout=30)


class Censornet:
    """Builds the namespaces on ``start()`` and removes everything on ``stop()``."""

    def __init__(self) -> None:
        self.prefix = "pw" + secrets.token_hex(3)
        self.ns = {k: f"{self.prefix}-{k}" for k in ("c", "i", "o", "f")}
        self.tmp = Path(tempfile.mkdtemp(prefix=self.prefix))
        self.procs: list[subprocess.Popen[str]] = []
        self.isp: subprocess.Popen[str] | None = None
        self.ca_file = str(self.tmp / "ca.pem")
        self.mode = "none"

    # -- building -----------------------------------------------------------------------------
    def ip(self, ns: str, *args: str) -> None:
        sh("ip", "-n", self.ns[ns], *args)

    def nsexec(self, ns: str, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return sh("ip", "netns", "exec", self.ns[ns], *args, **kw)

    def nft(self, ns: str, table: str, chain: str, hook: str, rule: str) -> None:
        """Load one table with one base chain holding one rule (newline syntax: works on old nft)."""
        self.nsexec(ns, "nft", "-f", "-", input=f"{table} {{\n{chain} {{\n{hook}\n{rule}\n}}\n}}\n")

    def _veth(self, a: str, b: str, a_addr: str, b_addr: str) -> None:
        an, bn = f"{self.prefix}{a}{b}", f"{self.prefix}{b}{a}"
        sh(
            "ip",
            "link",
            "add",
            an,
            "netns",
            self.ns[a],
            "type",
            "veth",
            "peer",
            "name",
            bn,
            "netns",
            self.ns[b],
        )
        self.ip(a, "addr", "add", a_addr, "dev", an)
        self.ip(b, "addr", "add", b_addr, "dev", bn)
        self.ip(a, "link", "set", an, "up")
        self.ip(b, "link", "set", bn, "up")

    def start(self) -> Censornet:
        import trustme

        try:
            for name in self.ns.values():
                sh("ip", "netns", "add", name)
            for k in self.ns:
                self.ip(k, "link", "set", "lo", "up")
                self.nsexec(k, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0")
            for k in ("i", "o"):
                self.nsexec(k, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            self._veth("c", "i", "192.0.2.2/30", "192.0.2.1/30")
            self._veth("i", "o", "198.51.100.1/25", "198.51.100.2/25")
            self._veth("f", "o", "198.51.100.130/25", "198.51.100.129/25")
            self.ip("c", "route", "add", "default", "via", "192.0.2.1")
            self.ip("i", "route", "add", "default", "via", "198.51.100.2")
            self.ip("f", "route", "add", "default", "via", "198.51.100.129")
            self.ip("o", "route", "add", "192.0.2.0/24", "via", "198.51.100.1")
            for a in (ORIGIN_IP, ORIGIN_IP2, DROP_IP, CLOSED_IP, HONEST_DNS):
                self.ip("o", "addr", "add", f"{a}/32", "dev", "lo")
            for a in (ISP_DNS, BLOCKPAGE_IP, HIJACK_IP):
                self.ip("i", "addr", "add", f"{a}/32", "dev", "lo")
            # the origin's second A record of flaky.example is a black hole
            self.nft(
                "o",
                f"table inet {self.prefix}o",
                "chain input",
                "type filter hook input priority 0;",
                f"ip daddr {DROP_IP} drop",
            )
            ca = trustme.CA()
            cert = ca.issue_cert(*HOSTS, "flaky.example", "down.example")
            ca.cert_pem.write_to_path(self.ca_file)
            cert.private_key_pem.write_to_path(str(self.tmp / "key.pem"))
            cert.cert_chain_pems[0].write_to_path(str(self.tmp / "cert.pem"))
            cfg = {
                "cert": str(self.tmp / "cert.pem"),
                "key": str(self.tmp / "key.pem"),
                "web_ips": [ORIGIN_IP, ORIGIN_IP2],
                "dns_ip": HONEST_DNS,
                "records": HONEST_RECORDS,
            }
            self.procs.append(self._spawn("o", "origin", cfg))
            self.scenario("none")
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, ns: str, role: str, cfg: dict[str, Any]) -> subprocess.Popen[str]:
        p = subprocess.Popen(
            ["ip", "netns", "exec", self.ns[ns], PY, str(SERVICES), role, "--config", json.dumps(cfg)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert p.stdout is not None
        line = p.stdout.readline()
        if line.strip() != "ready":
            err = p.stderr.read() if p.stderr else ""
            p.kill()
            raise RuntimeError(f"{role} services failed to start: {line} {err[-2000:]}")
        return p

    @staticmethod
    def _end(p: subprocess.Popen[str]) -> None:
        try:
            if p.stdin:
                p.stdin.close()
            p.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            p.kill()
            p.wait(timeout=5)

    # -- the censor -----------------------------------------------------------------------------
    def _clear_isp(self) -> None:
        if self.isp is not None:
            self._end(self.isp)
            self.isp = None
        self.nsexec("i", "nft", "delete", "table", "inet", f"{self.prefix}i", check=False)
        self.nsexec("i", "nft", "delete", "table", "ip", f"{self.prefix}n", check=False)
        self.nsexec("i", "tc", "qdisc", "del", "dev", f"{self.prefix}ic", "root", check=False)

    def scenario(self, mode: str) -> None:
        """Switch the ISP to ``mode`` (see ``netns_scenarios.SCENARIOS``)."""
        self._clear_isp()
        self.mode = mode
        records = {k: list(v) for k, v in HONEST_RECORDS.items()}
        cfg: dict[str, Any] = {
            "mode": mode,
            "origin_ip": ORIGIN_IP,
            "dns_ip": ISP_DNS,
            "blockpage_ip": BLOCKPAGE_IP,
            "hijack_ip": HIJACK_IP,
            "records": records,
            "target_host": "news.example",
        }
        if mode == "dns-blockpage":
            records["news.example"] = [BLOCKPAGE_IP]
        elif mode == "dns-nxdomain":
            cfg["nxdomain"] = ["news.example"]
        elif mode == "dns-bogon":
            records["news.example"] = [BOGON_IP]
        elif mode == "dns-localhost":
            records["news.example"] = ["127.0.0.1"]
        elif mode == "dns-duplicate":
            cfg["duplicate"] = {"news.example": [BLOCKPAGE_IP]}
        elif mode == "dns-transparent-proxy":
            records["news.example"] = [HIJACK_IP]
        elif mode == "geodns":
            records["news.example"] = [ORIGIN_IP2]
        self.isp = self._spawn("i", "isp", cfg)
        t = f"{self.prefix}i"
        rules = {
            "tcp-rst": f"ip daddr {ORIGIN_IP} tcp dport {{ 80, 443 }} reject with tcp reset",
            "tcp-drop": f"ip daddr {ORIGIN_IP} drop",
        }
        if mode in rules:
            self.nft(
                "i",
                f"table inet {t}",
                "chain forwarding",
                "type filter hook forward priority 0;",
                rules[mode],
            )
        redirects = {
            "http-blockpage": "tcp dport 80 redirect to :8080",
            "http-451": "tcp dport 80 redirect to :8080",
            "tls-sni-reset": "tcp dport 443 redirect to :8443",
        }
        if mode in redirects:
            self.nft(
                "i",
                f"table ip {self.prefix}n",
                "chain pre",
                "type nat hook prerouting priority -100;",
                f'iifname "{self.prefix}ic" ip daddr {ORIGIN_IP} {redirects[mode]}',
            )
        rates = {"throttle": "20kbit", "throttle-mild": "1mbit"}
        if mode in rates:
            self.nsexec(
                "i",
                "tc",
                "qdisc",
                "add",
                "dev",
                f"{self.prefix}ic",
                "root",
                "tbf",
                "rate",
                rates[mode],
                "burst",
                "4kb",
                "latency",
                "500ms",
            )

    # -- measuring ------------------------------------------------------------------------------
    def control(self, url: str, endpoints: list[str], allow_private: bool = False) -> dict[str, Any]:
        args = [
            PY,
            "-m",
            "presswatch.measure.run_one",
            url,
            "--control-only",
            "--resolver",
            f"{HONEST_DNS}:53",
            "--endpoints",
            ",".join(endpoints),
            "--ca-file",
            self.ca_file,
            *TIMEOUT_ARGS,
        ]
        out = self.nsexec("f", "env", f"PYTHONPATH={ROOT}", *args)
        return dict(json.loads(out.stdout))

    def measure(self, url: str, probe_endpoints: list[str] | None = None) -> dict[str, Any]:
        """Control from F (knowing the endpoints the probe will see), then the probe in C."""
        ctrl = self.control(url, probe_endpoints or [])
        path = self.tmp / f"control-{secrets.token_hex(4)}.json"
        path.write_text(json.dumps(ctrl))
        args = [
            PY,
            "-m",
            "presswatch.measure.run_one",
            url,
            "--resolver",
            f"{ISP_DNS}:53",
            "--control-json",
            str(path),
            "--ca-file",
            self.ca_file,
            "--country",
            "KZ",
            "--network",
            "AS-TEST",
            *TIMEOUT_ARGS,
        ]
        out = self.nsexec("c", "env", f"PYTHONPATH={ROOT}", *args)
        return dict(json.loads(out.stdout))

    def stop(self) -> None:
        self._clear_isp()
        for p in self.procs:
            self._end(p)
        self.procs.clear()
        for name in self.ns.values():
            sh("ip", "netns", "del", name, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextmanager
def censornet() -> Iterator[Censornet]:
    net = Censornet().start()
    try:
        yield net
    finally:
        net.stop()
