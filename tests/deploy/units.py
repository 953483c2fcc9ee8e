"""Reading the systemd units in deploy/systemd/, so that tests run exactly the command lines they hold."""

import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SYSTEMD = ROOT / "deploy" / "systemd"
# Where deploy/README.md installs the checkout on a server; tests substitute this checkout.
INSTALL_DIR = "/opt/dugnad"


def unit_entries(path):
    """``{section: [(key, value), ...]}`` of a unit file, keeping repeated keys (ExecStart=, Wants=) in order."""
    sections, current = {}, None
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def unit_values(path, section, key):
    return [value for name, value in unit_entries(path).get(section, []) if name == key]


def daphne_unit_command(port):
    """The ExecStart of dugnad-daphne@.service for instance ``port``, run by this checkout's Python."""
    (exec_start,) = unit_values(SYSTEMD / "dugnad-daphne@.service", "Service", "ExecStart")
    argv = shlex.split(exec_start.replace("%i", str(port)))
    program = f"{INSTALL_DIR}/.venv/bin/daphne"
    if argv[0] != program:
        raise AssertionError(f"dugnad-daphne@.service runs {argv[0]}, not {program}")
    return [sys.executable, "-m", "daphne", *argv[1:]]
