"""A throw-away OpenLDAP server (Debian's slapd) for tests: loopback, free port, temp dir."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUFFIX = "dc=zhuji,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "ldap-admin-2026"
READERS_DN = f"ou=readers,{SUFFIX}"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "{suffix}"
rootdn "{admin}"
rootpw {admin_password}
directory {dir}/db
maxsize 10485760
access to attrs=userPassword by self read by anonymous auth by * none
access to * by users read by * none
"""


def ssha(password: str) -> str:
    """An OpenLDAP {SSHA} password hash."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def seed_ldif(readers: list[dict[str, str]]) -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: zhuji\no: Zhuji\n",
        f"dn: {READERS_DN}\nobjectClass: organizationalUnit\nou: readers\n",
    ]
    for r in readers:
        entries.append(
            f"dn: uid={r['uid']},{READERS_DN}\nobjectClass: inetOrgPerson\nuid: {r['uid']}\n"
            f"cn: {r['cn']}\nsn: {r['cn'][:1]}\nemployeeNumber: {r['card']}\n"
            f"userPassword: {ssha(r['password'])}\n"
        )
    return "\n".join(entries)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"slapd exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("slapd did not start listening in time")


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen
    folder: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(readers: list[dict[str, str]]) -> Slapd:
    """Write a config, load ``readers`` with slapadd, start slapd; raise if anything fails."""
    slapd, slapadd = (
        shutil.which("slapd", path="/usr/sbin:/usr/bin"),
        shutil.which("slapadd", path="/usr/sbin:/usr/bin"),
    )
    if not slapd or not slapadd:
        raise RuntimeError("slapd is not installed: run scripts/setup-system")
    folder = Path(tempfile.mkdtemp(prefix="shuxiang-slapd-"))
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text(
        CONFIG.format(dir=folder, suffix=SUFFIX, admin=ADMIN_DN, admin_password=ADMIN_PASSWORD)
    )
    (folder / "seed.ldif").write_text(seed_ldif(readers))
    subprocess.run(
        [slapadd, "-f", str(conf), "-l", str(folder / "seed.ldif")],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(
        [slapd, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
    except Exception:
        process.kill()
        raise
    return Slapd(f"ldap://127.0.0.1:{port}", process, folder)
