"""Start-up checks of ``kiosk run`` and ``kiosk demo``, before any window exists.

In this order, each failure a plain message on stderr and a documented exit code (no
traceback):

1. ``umask 077``: every file the kiosk creates is private to its user (0600, dirs 0700);
2. the configuration (:func:`kiosk.config.load_config`, the one validation every command
   uses) and the host's TLS files (:func:`check_tls_files`: each exists, is readable, parses,
   the certificate is valid today and the key belongs to it) -> exit 64 naming the key;
3. the state directory (:func:`open_state_dir`): created 0700 (an existing one is tightened to
   0700, its files to 0600), must be a directory this user can write -> else exit 64 naming
   ``state_dir``; a write test (a small file written, fsync'ed and removed): a full or
   read-only disk -> exit 73 (EX_CANTCREAT) naming the directory and the reason;
4. logging, the crash handler, the single-instance lock: a full disk while taking the lock
   -> exit 73; another kiosk running -> exit 75.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli import EXIT_USAGE

if TYPE_CHECKING:
    from kiosk.config import ConfigProblem, KioskConfig
    from kiosk.crash import CrashHandler
    from kiosk.single_instance import SingleInstance

EXIT_CANTCREAT = 73  # EX_CANTCREAT: the state directory cannot be written (disk full, read-only)
EXIT_LOCKED = 75  # EX_TEMPFAIL: another instance holds the lock
UMASK = 0o077
PROBE_BYTES = 64 * 1024  # the write test: room for a journal page, a log line, a crash log

#: errno values that mean "the disk cannot take it", as opposed to "you may not".
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})


class StartupFailure(Exception):
    """Start-up cannot go on: ``message`` for stderr, ``code`` the exit status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def restrict_umask() -> None:
    """Files and directories the kiosk creates are its user's only (0600/0700)."""
    os.umask(UMASK)


def disk_problem(exc: OSError) -> str:
    """A plain reason for a failed write: "no space left on the disk", "read-only", ..."""
    reasons = {
        errno.ENOSPC: "no space left on the disk",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EIO: "the disk reported an input/output error",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
    }
    name = errno.errorcode.get(exc.errno or 0, "")
    return f"{reasons.get(exc.errno or 0, exc.strerror or str(exc))}" + (
        f" ({name})" if name else "")


# --- configuration ----------------------------------------------------------------------------


def check_tls_files(ca_file: Path | None, cert_file: Path | None, key_file: Path | None,
                    *, prefix: str = "host.", now: dt.datetime | None = None,
                    ) -> list[ConfigProblem]:
    """Problems with the host's TLS files: each must exist, be readable and parse; the
    certificate must be valid at ``now`` and ``key_file`` must hold its private key; the CA
    file must hold at least one certificate, valid at ``now``. Empty when all is well."""
    from kiosk.config import ConfigProblem

    problems: list[ConfigProblem] = []
    if (cert_file is None) != (key_file is None):
        missing = "key_file" if key_file is None else "cert_file"
        problems.append(ConfigProblem(prefix + missing, "(missing)",
                                      "cert_file and key_file go together (mutual TLS)"))
    files = {"ca_file": ca_file, "cert_file": cert_file, "key_file": key_file}
    raw: dict[str, bytes] = {}
    for name, path in files.items():
        if path is None:
            continue
        try:
            raw[name] = Path(path).read_bytes()
        except FileNotFoundError:
            problems.append(ConfigProblem(prefix + name, str(path), "file not found"))
        except IsADirectoryError:
            problems.append(ConfigProblem(prefix + name, str(path), "is a directory"))
        except PermissionError:
            problems.append(ConfigProblem(prefix + name, str(path),
                                          f"not readable by this user (uid {os.getuid()})"))
        except OSError as exc:
            problems.append(ConfigProblem(prefix + name, str(path), disk_problem(exc)))
    if not raw:
        return problems

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    when = now or dt.datetime.now(dt.UTC)

    def validity(name: str, cert: Any) -> None:
        if cert.not_valid_after_utc < when:
            problems.append(ConfigProblem(
                prefix + name, str(files[name]),
                f"certificate expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC "
                f"({cert.subject.rfc4514_string()})"))
        elif cert.not_valid_before_utc > when:
            problems.append(ConfigProblem(
                prefix + name, str(files[name]),
                f"certificate not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC "
                "(check the terminal's clock)"))

    certificate = None
    if "ca_file" in raw:
        try:
            cas = x509.load_pem_x509_certificates(raw["ca_file"])
        except ValueError:
            problems.append(ConfigProblem(prefix + "ca_file", str(ca_file),
                                          "holds no PEM certificate"))
        else:
            for ca in cas:
                validity("ca_file", ca)
    if "cert_file" in raw:
        try:
            certificate = x509.load_pem_x509_certificate(raw["cert_file"])
        except ValueError:
            problems.append(ConfigProblem(prefix + "cert_file", str(cert_file),
                                          "not a PEM certificate"))
        else:
            validity("cert_file", certificate)
    if "key_file" in raw:
        try:
            key = serialization.load_pem_private_key(raw["key_file"], password=None)
        except (ValueError, TypeError) as exc:
            why = "encrypted (the kiosk needs an unencrypted key)" if isinstance(
                exc, TypeError) else "not a PEM private key"
            problems.append(ConfigProblem(prefix + "key_file", str(key_file), why))
        else:
            spki = serialization.PublicFormat.SubjectPublicKeyInfo
            enc = serialization.Encoding.DER
            if certificate is not None and (key.public_key().public_bytes(enc, spki)
                                            != certificate.public_key().public_bytes(enc, spki)):
                problems.append(ConfigProblem(
                    prefix + "key_file", str(key_file),
                    f"does not belong to the certificate in {cert_file}"))
    return problems


def raise_problems(problems: list[ConfigProblem]) -> None:
    """Raise one ConfigError holding ``problems`` (nothing when empty)."""
    from kiosk.config import ConfigError

    if problems:
        first = problems[0]
        raise ConfigError(first.key, first.value, first.reason, source=first.source,
                          problems=problems)


def load_checked_config(path: Path | None = None, *, overrides: Mapping[str, Any] | None = None,
                        env: Mapping[str, str] | None = None) -> KioskConfig:
    """The configuration every command uses: :func:`kiosk.config.load_config` plus the host's
    TLS files. Raises ``kiosk.config.ConfigError``."""
    from kiosk.config import load_config

    config = load_config(path, env=env, overrides=overrides)
    host = config.host
    raise_problems(check_tls_files(host.ca_file, host.cert_file, host.key_file))
    return config


# --- the state directory ----------------------------------------------------------------------


def open_state_dir(path: Path) -> Path:
    """Make ``path`` the kiosk's private state directory (see the module docstring).

    Raises ``ConfigError`` (``state_dir``) when it cannot be one, :class:`StartupFailure`
    (exit 73) when the disk cannot take a write.
    """
    from kiosk.config import ConfigError

    path = Path(path).expanduser()

    def unusable(reason: str) -> ConfigError:
        return ConfigError("state_dir", str(path), reason)

    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except FileExistsError:
        raise unusable("exists and is not a directory") from None
    except NotADirectoryError:
        raise unusable("a parent of it is a file, not a directory") from None
    except PermissionError:
        raise unusable(f"cannot be created by this user (uid {os.getuid()})") from None
    except OSError as exc:
        if exc.errno in DISK_ERRORS:
            raise _disk_failure(path, exc) from None
        raise unusable(disk_problem(exc)) from None
    if not path.is_dir():
        raise unusable("exists and is not a directory")
    _make_private(path)
    probe = path / f".write-test-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, b"\0" * PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise unusable(f"not writable by this user (uid {os.getuid()})") from None
        raise _disk_failure(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return path


def _make_private(path: Path) -> None:
    """0700 for the state directory and the directories in it, 0600 for its files (a state
    directory made by an older version, or by hand). Best effort: not ours -> left alone."""
    uid = os.getuid()
    for root, dirs, files in os.walk(path):
        for name, private in ((root, 0o700), *((os.path.join(root, f), 0o600) for f in files)):
            try:
                st = os.lstat(name)
                if (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)) and (
                        st.st_uid == uid and stat.S_IMODE(st.st_mode) & 0o077):
                    os.chmod(name, stat.S_IMODE(st.st_mode) & private)
            except OSError:
                pass
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]


def _disk_failure(path: Path, exc: OSError) -> StartupFailure:
    return StartupFailure(EXIT_CANTCREAT, f"cannot write to the state directory {path}: "
                          f"{disk_problem(exc)}. Free space on that disk or repair it, then "
                          "start the kiosk again.")


# --- kiosk run --------------------------------------------------------------------------------


@dataclass
class Started:
    """What a successful start-up leaves running (the app keeps it until it exits)."""

    config: KioskConfig
    state_dir: Path
    crash_handler: CrashHandler
    guard: SingleInstance


def start(config_path: Path | None, overrides: Mapping[str, Any], *,
          prog: str = "kiosk") -> Started | int:
    """Steps 1-4 of the module docstring; prints why and returns the exit code on failure."""
    from kiosk.config import ConfigError, format_config_error

    restrict_umask()
    try:
        config = load_checked_config(config_path, overrides=overrides)
        state_dir = open_state_dir(Path(config.state_dir))
    except ConfigError as exc:
        print(format_config_error(exc).replace("kiosk:", f"{prog}:", 1), file=sys.stderr)
        return EXIT_USAGE
    except StartupFailure as exc:
        print(f"{prog}: {exc.message}", file=sys.stderr)
        return exc.code

    from kiosk.crash import install_crash_handler
    from kiosk.logs import setup_logging, stderr_stream
    from kiosk.single_instance import SingleInstance

    try:
        # under systemd (JOURNAL_STREAM set) the same masked JSON lines go to the journal too
        setup_logging(state_dir, config.logging.level,
                      stream=stderr_stream() if os.environ.get("JOURNAL_STREAM") else None)
        crash_handler = install_crash_handler(state_dir)
        guard = SingleInstance("kiosk", state_dir)
        acquired = guard.acquire()
    except OSError as exc:
        print(f"{prog}: {_disk_failure(state_dir, exc).message}", file=sys.stderr)
        return EXIT_CANTCREAT
    if not acquired:
        owner = guard.owner_pid()
        print(f"{prog}: another kiosk is running (pid {owner or '?'}; lock in {state_dir})",
              file=sys.stderr)
        return EXIT_LOCKED
    return Started(config, state_dir, crash_handler, guard)
