"""Sampling profiles of the running processes with py-spy, and what they say.

``Profiler`` attaches ``py-spy record`` to a process for the length of a ``with`` block
(raw collapsed stacks, idle threads left out, so the samples are where CPU went) and
``summarize`` reduces a profile to its heaviest leaf functions and its heaviest frames of
the project's own code (inclusive), each as a share of the samples.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT_DIRS = tuple(
    str(ROOT / name) + "/" for name in ("api", "services", "workflows", "activities", "casework")
)


def py_spy() -> str | None:
    beside_python = Path(sys.executable).parent / "py-spy"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("py-spy")


class Profiler:
    def __init__(self, pid: int, output: Path, rate: int = 100) -> None:
        self.pid = pid
        self.output = output
        self.rate = rate
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profiler:
        binary = py_spy()
        if binary is None:
            return self
        self.process = subprocess.Popen(
            [
                binary, "record", "--pid", str(self.pid), "--rate", str(self.rate),
                "--format", "raw", "--full-filenames", "--nonblocking",
                "--output", str(self.output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.output.with_suffix(".log")).open("wb"),
        )  # fmt: skip
        time.sleep(1.0)  # attached before the work starts
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _frame(raw: str) -> tuple[str, str]:
    """``function (path:line)`` → (function, path)."""
    name, _, rest = raw.rpartition(" (")
    if not name:
        return raw, ""
    path = rest.rstrip(")").rsplit(":", 1)[0]
    return name, path


def _label(raw: str) -> str:
    name, path = _frame(raw)
    short = path.replace(str(ROOT) + "/", "")
    if "site-packages/" in short:
        short = short.split("site-packages/", 1)[1]
    return f"{short}:{name}" if short else name


def summarize(path: Path, top: int = 12) -> dict[str, Any]:
    """The heaviest leaf functions (self) and the heaviest project frames (inclusive)."""
    if not path.exists():
        return {"samples": 0, "error": "no profile written"}
    leaves: Counter[str] = Counter()
    project: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        leaves[_label(frames[-1])] += count
        seen = set()
        for raw in frames:
            if _frame(raw)[1].startswith(PROJECT_DIRS):
                label = _label(raw)
                if label not in seen:
                    seen.add(label)
                    project[label] += count

    def shares(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"frame": label, "share": round(count / total, 3)}
            for label, count in counter.most_common(top)
        ]

    return {"samples": total, "self": shares(leaves), "project_inclusive": shares(project)}
