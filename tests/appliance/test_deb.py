"""The appliance packages end to end (slow; ``make deb-test``): ``make deb`` twice (revision 1
and 2), lintian (no errors), and in a clean Debian 12 root made by debootstrap from Debian's
mirror: install (dependencies from the mirror; vpcd and gcc never pulled by the kiosk
package), files, user, permissions, ``systemd-analyze verify`` on every unit, ``kiosk
--version``, the app itself starting offscreen as the kiosk user up to READY, ``kiosk diag``
against the simulator package, an upgrade refused while the journal holds unresolved money,
forced by the technician, the journal intact and the first-start check passing, then purge
keeping the journal by default and deleting it when the technician said so.

The pristine debootstrap root is cached as ``build/debian12-minbase.tar`` (made once; set
``KIOSK_DEB_FRESH=1`` to make it again). Numbers (sizes, times) go to
``build/deb-test-report.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
CACHE = BUILD / "debian12-minbase.tar"
APT_CACHE = BUILD / "apt-archives"  # Debian's .debs fetched once (the mirror is slow here)
MIRROR = "http://deb.debian.org/debian"
VENV = "/opt/zhunong-kiosk/venv"
STATE = "/var/lib/zhunong-kiosk"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

missing = [t for t in ("debootstrap", "dpkg-deb", "lintian", "unshare", "chroot")
           if shutil.which(t) is None]


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 900)
    return subprocess.run(cmd, **kw)


def build(revision: int, out: Path) -> dict[str, Path]:
    t = time.monotonic()
    res = run(["bash", "packaging/deb/build.sh", "--revision", str(revision), "--out", str(out),
               "--compress", "gzip"], cwd=REPO)
    assert res.returncode == 0, res.stderr[-3000:]
    REPORT[f"build_rev{revision}_seconds"] = round(time.monotonic() - t, 1)
    main = Path(res.stdout.strip().splitlines()[-1])
    sim = main.with_name(main.name.replace("zhunong-kiosk_", "zhunong-kiosk-sim_"))
    assert main.exists() and sim.exists()
    return {"main": main, "sim": sim}


class Root:
    """A Debian 12 root; commands run in it through chroot in a private mount namespace
    (with /proc and /dev/pts mounted there, gone when the command ends)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def sh(self, script: str, *, env: dict[str, str] | None = None, timeout: float = 900,
           check: bool = True) -> subprocess.CompletedProcess[str]:
        full_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                    "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}
        full_env.update(env or {})
        wrapper = ('mount -t proc proc "$R/proc" && mount -t devpts devpts "$R/dev/pts" '
                   '2>/dev/null; exec chroot "$R" /bin/sh -c "$1"')
        res = run(["unshare", "-m", "--", "sh", "-c", wrapper, "sh", script],
                  env={**full_env, "R": str(self.path)}, timeout=timeout)
        if check:
            assert res.returncode == 0, f"{script}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        return res

    def file(self, path: str) -> Path:
        return self.path / path.lstrip("/")


def make_root(path: Path) -> Root:
    if os.environ.get("KIOSK_DEB_FRESH") or not CACHE.exists():
        t = time.monotonic()
        base = path.with_name(path.name + "-base")
        res = run(["debootstrap", "--variant=minbase", "bookworm", str(base), MIRROR],
                  timeout=1800)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        REPORT["debootstrap_seconds"] = round(time.monotonic() - t, 1)
        BUILD.mkdir(exist_ok=True)
        run(["tar", "-C", str(base), "-cf", str(CACHE), "."], timeout=600)
        shutil.rmtree(base)
    path.mkdir()
    res = run(["tar", "-C", str(path), "-xf", str(CACHE)], timeout=600)
    assert res.returncode == 0, res.stderr
    root = Root(path)
    # the same mirror suites as the build machine; services never start inside the root
    (path / "etc/apt/sources.list").write_text(
        f"deb {MIRROR} bookworm main\ndeb {MIRROR} bookworm-updates main\n"
        "deb http://deb.debian.org/debian-security bookworm-security main\n")
    policy = path / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    shutil.copy("/etc/resolv.conf", path / "etc/resolv.conf")
    if APT_CACHE.is_dir():
        for deb in APT_CACHE.glob("*.deb"):
            shutil.copy(deb, path / "var/cache/apt/archives" / deb.name)
    root.sh("apt-get -o Acquire::Retries=3 update -qq")
    return root


REPORT: dict[str, object] = {}


@pytest.fixture(scope="module")
def debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    reuse = os.environ.get("KIOSK_DEB_REUSE")  # a folder with both revisions already built
    if reuse:
        found = {rev: {k: next(Path(reuse).glob(f"zhunong-kiosk{s}_*-{rev}_*.deb"))
                       for k, s in (("main", ""), ("sim", "-sim"))} for rev in ("1", "2")}
        return found
    out = tmp_path_factory.mktemp("debs")
    return {"1": build(1, out), "2": build(2, out)}


@pytest.mark.skipif(bool(missing), reason=f"not installed: {missing}")
def test_install_upgrade_purge_in_a_clean_debian_12_root(
        debs: dict[str, dict[str, Path]], tmp_path: Path) -> None:
    lintian = subprocess.Popen(["lintian", "--tag-display-limit", "0", str(debs["1"]["main"]),
                                str(debs["1"]["sim"])], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    root = make_root(tmp_path / "root")
    for rev, pair in debs.items():
        for kind, deb in pair.items():
            shutil.copy(deb, root.file(f"/tmp/{kind}-{rev}.deb"))

    # what the kiosk package alone pulls in: never the simulators' or a developer's packages
    sim = root.sh("apt-get install -s /tmp/main-1.deb")
    pulled = {line.split()[1] for line in sim.stdout.splitlines() if line.startswith("Inst ")}
    assert {"cage", "xwayland", "pcscd", "python3.11", "fonts-noto-cjk"} <= pulled
    assert not pulled & {"vsmartcard-vpcd", "gcc", "socat", "xvfb", "zhunong-kiosk-sim"}

    t = time.monotonic()
    du0 = int(root.sh("du -sxk / 2>/dev/null | cut -f1", check=False).stdout.split()[0])
    root.sh("apt-get install -y -q /tmp/main-1.deb /tmp/sim-1.deb")
    APT_CACHE.mkdir(parents=True, exist_ok=True)
    for deb in root.file("/var/cache/apt/archives").glob("*.deb"):
        if not (APT_CACHE / deb.name).exists():
            shutil.copy(deb, APT_CACHE / deb.name)
    REPORT["install_seconds"] = round(time.monotonic() - t, 1)
    du1 = int(root.sh("du -sxk / 2>/dev/null | cut -f1", check=False).stdout.split()[0])
    REPORT["root_growth_mb"] = round((du1 - du0) / 1024, 1)
    REPORT["opt_mb"] = round(int(root.sh(f"du -sk {VENV}").stdout.split()[0]) / 1024, 1)
    REPORT["installed_size_kb"] = int(root.sh(
        "dpkg-query -W -f='${Installed-Size}' zhunong-kiosk").stdout)
    REPORT["sim_installed_size_kb"] = int(root.sh(
        "dpkg-query -W -f='${Installed-Size}' zhunong-kiosk-sim").stdout)

    # files, user, permissions
    for f in ("/usr/bin/kiosk", "/usr/bin/kiosk-sim", f"{VENV}/bin/python3.11",
              "/etc/zhunong-kiosk/kiosk.toml", "/lib/systemd/system/zhunong-kiosk.service",
              "/lib/systemd/system/zhunong-kiosk-oos.service", "/etc/pam.d/zhunong-kiosk",
              "/lib/udev/rules.d/70-zhunong-kiosk.rules",
              "/etc/systemd/timesyncd.conf.d/zhunong-kiosk.conf",
              "/usr/lib/systemd/logind.conf.d/zhunong-kiosk.conf",
              "/usr/share/doc/zhunong-kiosk/appliance.md"):
        assert root.file(f).exists() or root.file(f).is_symlink(), f
    fastapi = root.sh(f"dpkg -S {VENV}/lib/python3.11/site-packages/fastapi/__init__.py")
    assert fastapi.stdout.startswith("zhunong-kiosk-sim:")  # only the simulators use it
    owner = root.sh("dpkg -S /opt/zhunong-kiosk/venv/lib/python3.11/site-packages/"
                    "peripherals_sim/__init__.py").stdout
    assert owner.startswith("zhunong-kiosk-sim:")
    pw = root.sh("getent passwd zhunong-kiosk").stdout.strip().split(":")
    assert int(pw[2]) < 1000 and pw[6] in ("/usr/sbin/nologin", "/bin/false") and pw[5] == STATE
    groups = root.sh("id -nG zhunong-kiosk").stdout.split()
    assert {"dialout", "video"} <= set(groups)
    st = root.sh(f"stat -c '%a %U %G' {STATE}").stdout.split()
    assert st == ["700", "zhunong-kiosk", "zhunong-kiosk"]
    conffiles = root.sh("dpkg-query -W -f='${Conffiles}' zhunong-kiosk").stdout
    assert "/etc/zhunong-kiosk/kiosk.toml" in conffiles
    assert root.sh("readlink -f /usr/bin/kiosk").stdout.strip() == f"{VENV}/bin/kiosk"
    enabled = root.file("/etc/systemd/system/graphical.target.wants/zhunong-kiosk.service")
    assert enabled.is_symlink()

    # systemd-analyze verify on every unit, with everything they name installed
    verify = root.sh("systemd-analyze verify zhunong-kiosk.service "
                     "zhunong-kiosk-oos.service 2>&1", check=False)
    REPORT["systemd_analyze_verify"] = verify.stdout.strip() or "(no output)"
    bad = [line for line in verify.stdout.splitlines()
           if "zhunong" in line and any(w in line for w in (
               "Failed to parse", "Unknown key", "not executable", "Unknown section",
               "Invalid", "ignoring"))]
    assert verify.returncode == 0 and not bad, verify.stdout

    # the commands
    assert root.sh("kiosk --version").stdout.strip() == "kiosk 0.1.0"
    ports = json.loads(root.sh("kiosk diag ports --json").stdout)
    assert set(ports) == {"serial_ports", "usb", "pcsc", "stable_names"}
    # the installed config names no devices yet: the kiosk says which key, exit 64
    bad_cfg = root.sh("runuser -u zhunong-kiosk -- kiosk run", check=False,
                      env={"QT_QPA_PLATFORM": "offscreen"})
    assert bad_cfg.returncode == 64 and "devices" in bad_cfg.stderr

    # the simulator package: kiosk diag against kiosk-sim's ID card reader
    sim_script = (
        "kiosk-sim idcard --listen tcp://127.0.0.1:0 --person zhang_weiguo > /tmp/sim.out "
        "2>/tmp/sim.err & pid=$!; "
        "i=0; while [ ! -s /tmp/sim.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; "
        "url=$(python3 -c 'import json;print(json.load(open(\"/tmp/sim.out\"))[\"url\"])'); "
        "kiosk diag idcard read --url \"$url\" --json; rc=$?; kill $pid; exit $rc")
    read = root.sh(sim_script, env={"KIOSK_STATE_DIR": "/tmp/diag-state"})
    card = json.loads(read.stdout.strip().splitlines()[-1])
    assert card["name"].startswith("张") and "*" in card["id_number"]

    # the installed app starts (offscreen) as the kiosk user and sends READY
    cfg = root.file("/tmp/kiosk.toml")
    cfg.write_text(f'state_dir = "{STATE}"\nsim = false\n[voice]\nbackend = "fake"\n' + "".join(
        f'[devices.{k}]\nbackend = "fake"\n' for k in ("idcard", "iccard", "printer",
                                                       "pinpad")))
    cfg.chmod(0o644)
    sock_path = root.file("/tmp/notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock_path.chmod(0o777)
    sock.settimeout(120)
    t0 = time.monotonic()
    app = subprocess.Popen(
        ["unshare", "-m", "--", "sh", "-c",
         'mount -t proc proc "$R/proc"; exec chroot "$R" runuser -u zhunong-kiosk -- '
         "env QT_QPA_PLATFORM=offscreen NOTIFY_SOCKET=/tmp/notify.sock "
         "kiosk run --config /tmp/kiosk.toml"],
        env={"R": str(root.path), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        fields: dict[str, str] = {}
        while "READY" not in fields:
            data = sock.recv(4096).decode()
            fields.update(line.split("=", 1) for line in data.split("\n") if "=" in line)
        REPORT["installed_app_ready_seconds"] = round(time.monotonic() - t0, 2)
        assert fields["READY"] == "1"
    finally:
        app.terminate()
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        sock.close()
    assert root.file(f"{STATE}/service.json").exists()

    # a journal with money in flight: the upgrade is refused, dpkg keeps the old version
    journal_py = (
        "from decimal import Decimal\n"
        "from offline_queue.journal import Journal, TxState\n"
        f"j = Journal.open(__import__('pathlib').Path('{STATE}'), 'ZN610425001')\n"
        "a = j.prepare('drawdown', 'C0001', Decimal('1000.00'), 'd' * 64)\n"
        "j.move(a.serial, TxState.SENT, sent=True)\n"
        "j.move(a.serial, TxState.CONFIRMED, host_ref='H1')\n"
        "b = j.prepare('repayment', 'C0001', Decimal('250.00'), 'e' * 64)\n"
        "j.move(b.serial, TxState.SENT, sent=True)\n"
        "j.move(b.serial, TxState.UNKNOWN)\n"
        "j.close()\n")
    root.file("/tmp/journal.py").write_text(journal_py)
    root.sh(f"runuser -u zhunong-kiosk -- {VENV}/bin/python /tmp/journal.py")
    refused = root.sh("apt-get install -y -q /tmp/main-2.deb /tmp/sim-2.deb", check=False)
    assert refused.returncode != 0
    assert "SVC-UNRESOLVED: 1 money transaction" in refused.stdout + refused.stderr
    assert "ZHUNONG_KIOSK_FORCE=1" in refused.stdout + refused.stderr
    REPORT["upgrade_refused_output"] = [
        line for line in (refused.stdout + refused.stderr).splitlines()
        if "zhunong-kiosk" in line or "SVC-" in line][:12]
    for pkg in ("zhunong-kiosk", "zhunong-kiosk-sim"):  # refused as a whole: nothing half done
        assert root.sh(f"dpkg-query -W -f='${{Version}} ${{Status}}' {pkg}").stdout == \
            "0.1.0-1 install ok installed"
    assert root.sh("kiosk --version").stdout.strip() == "kiosk 0.1.0"

    # the technician forces it: upgraded, state backed up, journal intact, first start checks
    forced = root.sh("apt-get install -y -q /tmp/main-2.deb /tmp/sim-2.deb",
                     env={"ZHUNONG_KIOSK_FORCE": "1"})
    assert "going on anyway (technician's decision)" in forced.stdout + forced.stderr
    assert root.sh("dpkg-query -W -f='${Version}' zhunong-kiosk").stdout == "0.1.0-2"
    assert root.file(f"{STATE}/upgrade-backup/state-0.1.0-1.tar.gz").exists()
    assert root.file(f"{STATE}/upgrade-pending").read_text().startswith("0.1.0-1 -> 0.1.0-2")
    first = root.sh("runuser -u zhunong-kiosk -- kiosk service first-start")
    assert "first-start check passed" in first.stdout
    counts = root.sh(f"runuser -u zhunong-kiosk -- {VENV}/bin/python -c \"from offline_queue."
                     f"journal import Journal; j = Journal.open('{STATE}', 'x', create=False); "
                     "print(j.counts())\"").stdout
    assert "'CONFIRMED': 1" in counts and "'UNKNOWN': 1" in counts
    REPORT["journal_after_upgrade"] = counts.strip()

    # purge (non-interactive: debconf's default) keeps the journal; the user stays
    purged = root.sh("apt-get purge -y -q zhunong-kiosk-sim zhunong-kiosk",
                     env={"ZHUNONG_KIOSK_FORCE": "1"})
    assert "kept /var/lib/zhunong-kiosk" in purged.stdout + purged.stderr
    assert root.file(f"{STATE}/journal.db").exists()
    assert not root.file("/opt/zhunong-kiosk").exists()
    assert not root.file("/etc/zhunong-kiosk/kiosk.toml").exists()
    assert root.sh("getent passwd zhunong-kiosk", check=False).returncode == 0
    # the technician said to delete it (debconf preseed), then purged again
    root.sh("apt-get install -y -q /tmp/main-2.deb")
    root.sh("echo 'zhunong-kiosk zhunong-kiosk/purge-state boolean true' | "
            "debconf-set-selections")
    root.sh("apt-get purge -y -q zhunong-kiosk", env={"ZHUNONG_KIOSK_FORCE": "1"})
    assert not root.file(STATE).exists()

    out, _ = lintian.communicate(timeout=900)
    REPORT["lintian"] = sorted({line for line in out.splitlines() if line[:2] in ("E:", "W:")})
    errors = [line for line in out.splitlines() if line.startswith("E:")]
    BUILD.mkdir(exist_ok=True)
    (BUILD / "deb-test-report.json").write_text(json.dumps(REPORT, ensure_ascii=False,
                                                           indent=1))
    assert not errors, errors
