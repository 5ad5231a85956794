"""The top-level command line: dispatch, usage errors, every listed command importable."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from kiosk import cli


def test_every_listed_command_has_a_main():
    for name, (module, _) in cli.COMMANDS.items():
        assert callable(importlib.import_module(module).main), name


def test_unknown_command_is_a_usage_error(capsys):
    assert cli.main(["nonsense"]) == cli.EXIT_USAGE
    assert "unknown command 'nonsense'" in capsys.readouterr().err


def test_no_command_prints_usage_and_exits_64(capsys):
    assert cli.main([]) == cli.EXIT_USAGE
    assert "usage: kiosk COMMAND" in capsys.readouterr().out
    assert cli.main(["--help"]) == cli.EXIT_OK


@pytest.mark.parametrize("argv", [["diag", "idcard"], ["diag", "nodevice", "read"],
                                  ["diag", "idcard", "frobnicate"]])
def test_diag_usage_errors_exit_64(argv):
    proc = subprocess.run([sys.executable, "-m", "kiosk", *argv], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == cli.EXIT_USAGE, proc.stderr
