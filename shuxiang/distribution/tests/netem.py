"""A throttled, lossy link for push tests and the bench: a network namespace joined to the host
by a veth pair, both ends shaped with ``tc netem`` (rate, loss, delay).

Kernels built without netem (this machine's has no ``sch_netem``) get the same link from
what they have: an HTB class at the rate, and a classic-BPF filter that sends a random share
of the packets (``ld rand``, the kernel's per-packet random number) to a class whose
``pfifo limit 0`` drops everything — i.e. uniform random loss at the given percentage.

    with NetemLink(rate="20mbit", loss="1%") as link:
        server = subprocess.Popen(link.inside(["python", "-m", "http.server", ...]))
        ... fetch http://{link.inner_ip}:port/ from the host ...
        link.cut()      # the link goes down (packets vanish, connections stall)
        link.restore()

``unavailable()`` says why namespaces cannot be used here (not root, no ``ip``/``tc``, no
netem), so tests skip with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=check)


def unavailable() -> str | None:
    """None when a namespace with netem can be made here; otherwise the reason."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            return f"the {tool!r} command is not installed"
    probe = f"sxprobe{os.getpid() % 100000}"
    made = _run("ip", "netns", "add", probe, check=False)
    if made.returncode:
        return f"ip netns add failed: {made.stderr.strip()}"
    try:
        if backend(probe) is None:
            return "neither tc netem nor tc htb with a bpf filter works in this kernel"
    finally:
        _run("ip", "netns", "del", probe, check=False)
    return None


def backend(ns: str) -> str | None:
    """ "netem" or "htb" (the shaping that works in namespace ``ns``), or None."""
    inside = ["ip", "netns", "exec", ns, "tc"]
    if not _run(*inside, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms",
                check=False).returncode:  # fmt: skip
        _run(*inside, "qdisc", "del", "dev", "lo", "root", check=False)
        return "netem"
    try:
        _htb(inside, "lo", "10mbit", 1.0)
        return "htb"
    except subprocess.CalledProcessError:
        return None
    finally:
        _run(*inside, "qdisc", "del", "dev", "lo", "root", check=False)


def _drop_program(percent: float) -> str:
    """Classic BPF: match (return -1) when a random 32-bit number falls under the share."""
    threshold = min(int(percent / 100 * 2**32), 2**32 - 1)
    random_load = 2**32 - 0x1000 + 56  # SKF_AD_OFF + SKF_AD_RANDOM
    return f"4,32 0 0 {random_load},37 0 1 {threshold},6 0 0 0,6 0 0 {2**32 - 1}"


def _htb(tc: list[str], dev: str, rate: str, loss: float, verb: str = "add") -> None:
    if verb == "add":
        _run(*tc, "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "10")
        _run(*tc, "class", "add", "dev", dev, "parent", "1:", "classid", "1:10", "htb",
             "rate", rate, "ceil", rate, "quantum", "1514")  # fmt: skip
        _run(*tc, "class", "add", "dev", dev, "parent", "1:", "classid", "1:20", "htb",
             "rate", "8bit", "ceil", "8bit", "quantum", "1514")  # fmt: skip
        _run(*tc, "qdisc", "add", "dev", dev, "parent", "1:20", "handle", "20:", "pfifo",
             "limit", "0")  # fmt: skip
    else:
        _run(*tc, "filter", "del", "dev", dev, "parent", "1:", check=False)
    if loss > 0:
        _run(*tc, "filter", "add", "dev", dev, "parent", "1:", "bpf", "bytecode",
             _drop_program(loss), "flowid", "1:20")  # fmt: skip


class NetemLink:
    """Host <-> namespace over a veth pair shaped both ways by netem."""

    def __init__(
        self, rate: str = "20mbit", loss: str = "1%", delay: str = "", subnet: int | None = None
    ) -> None:
        tag = os.getpid() % 100000
        self.ns = f"sxnet{tag}"
        self.host_dev, self.inner_dev = f"sxh{tag}", f"sxi{tag}"
        octet = subnet if subnet is not None else 64 + tag % 150
        self.host_ip, self.inner_ip = f"10.231.{octet}.1", f"10.231.{octet}.2"
        self.rate, self.loss, self.delay = rate, loss, delay
        self.kind = ""

    @property
    def rate_bytes(self) -> float:
        """The shaped rate in bytes per second."""
        units = {"kbit": 1e3, "mbit": 1e6, "gbit": 1e9}
        for unit, factor in units.items():
            if self.rate.endswith(unit):
                return float(self.rate[: -len(unit)]) * factor / 8
        return float(self.rate) / 8

    def _netem(self, verb: str, dev: str, inside: bool, loss: str) -> None:
        prefix = ["ip", "netns", "exec", self.ns] if inside else []
        if self.kind == "htb":
            _htb([*prefix, "tc"], dev, self.rate, float(loss.rstrip("%") or 0), verb)
            return
        argv = ["tc", "qdisc", verb, "dev", dev, "root", "netem", "rate", self.rate]
        if loss:
            argv += ["loss", loss]
        if self.delay:
            argv += ["delay", self.delay]
        argv += ["limit", "10000"]
        _run(*prefix, *argv)

    def open(self) -> NetemLink:
        self.close()
        try:
            return self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> NetemLink:
        _run("ip", "netns", "add", self.ns)
        _run("ip", "link", "add", self.host_dev, "type", "veth", "peer", "name", self.inner_dev)
        for dev in (self.host_dev, self.inner_dev):  # loss per wire packet, not per GSO batch
            _run("ip", "link", "set", dev, "gso_max_segs", "1", "gso_max_size", "1514")
        _run("ip", "link", "set", self.inner_dev, "netns", self.ns)
        _run("ip", "addr", "add", f"{self.host_ip}/24", "dev", self.host_dev)
        _run("ip", "link", "set", self.host_dev, "up")
        inside = ["ip", "netns", "exec", self.ns]
        _run(*inside, "ip", "addr", "add", f"{self.inner_ip}/24", "dev", self.inner_dev)
        _run(*inside, "ip", "link", "set", self.inner_dev, "up")
        _run(*inside, "ip", "link", "set", "lo", "up")
        self.kind = backend(self.ns)
        self._netem("add", self.host_dev, False, self.loss)
        self._netem("add", self.inner_dev, True, self.loss)
        return self

    def inside(self, argv: Sequence[str]) -> list[str]:
        """``argv`` run inside the namespace."""
        return ["ip", "netns", "exec", self.ns, *argv]

    def cut(self) -> None:
        """Every packet is lost both ways (connections stall until restored or timed out)."""
        self._netem("change", self.host_dev, False, "100%")
        self._netem("change", self.inner_dev, True, "100%")

    def restore(self) -> None:
        self._netem("change", self.host_dev, False, self.loss)
        self._netem("change", self.inner_dev, True, self.loss)

    def close(self) -> None:
        _run("ip", "link", "del", self.host_dev, check=False)
        _run("ip", "netns", "del", self.ns, check=False)

    def __enter__(self) -> NetemLink:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()
