"""Known vulnerabilities in the locked packages: pip-audit against requirements.lock.

pip-audit asks a vulnerability database online (PyPI's). Exit codes:
  0  every locked package was audited and none has a known vulnerability;
  1  a locked package has a known vulnerability (upgrade it: pyproject.toml, make lock);
  2  some packages could not be audited (the database is out of reach from here): that
     is no evidence either way, and is said so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "pip-audit"),
            "--requirement", str(ROOT / "requirements.lock"),
            "--require-hashes", "--disable-pip",
            "--progress-spinner", "off",
            "--format", "json",
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if done.returncode not in (0, 1) or not done.stdout.strip():
        print(done.stderr, file=sys.stderr)
        return 2
    dependencies = json.loads(done.stdout)["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: {ids}")
    if vulnerable:
        return 1
    if skipped:
        print(
            f"audit: {len(skipped)} of {len(dependencies)} locked packages could not be "
            f"audited (the vulnerability database is out of reach?), e.g. "
            f"{skipped[0]['skip_reason']}"
        )
        return 2
    print(f"audit: {len(dependencies)} locked packages, no known vulnerability")
    return 0


if __name__ == "__main__":
    sys.exit(main())
