"""Render `merge --html` output in headless Chromium and save a PNG, to look at the page.

    python scripts/screenshot_html.py REPORT.html [OUT.png] [--size 1400,900]

Needs Debian's `chromium` (apt-get install chromium). Prints the browser's console lines, if
any (there should be none: the page has no script).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=Path("report.png"))
    parser.add_argument("--size", default="1400,900")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                f"--screenshot={args.out.resolve()}",
                f"--window-size={args.size}",
                args.page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    for line in console:
        print(line, file=sys.stderr)
    print(f"{args.out} ({'no' if not console else len(console)} console messages)")
    return done.returncode or (1 if console else 0)


if __name__ == "__main__":
    sys.exit(main())
