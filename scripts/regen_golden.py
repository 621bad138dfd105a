"""Regenerate the pipeline golden files and ci-examples/ (review the diff before committing).

    python scripts/regen_golden.py           # write tests/golden/ and ci-examples/
    python scripts/regen_golden.py --check   # exit 1 and list what is out of date

Golden cases: one per tests/fixtures/pipeline/<case>.yaml. ci-examples/ are rendered from the
example project's configuration (examples/paratest.yaml) with 4 shards.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from paratest_split.render.examples import ci_examples, differences, golden_files, write_tree

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "ci-examples"
EXAMPLE_CONFIG = ROOT / "examples" / "paratest.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is out of date")
    args = parser.parse_args(argv)
    trees = {GOLDEN: golden_files(FIXTURES), EXAMPLES: ci_examples(EXAMPLE_CONFIG)}
    stale = [
        str((root / name).relative_to(ROOT))
        for root, files in trees.items()
        for name in differences(files, root)
    ]
    if args.check:
        for name in stale:
            print(f"out of date: {name}")
        return 1 if stale else 0
    for root, files in trees.items():
        for child in sorted(root.iterdir()) if root.is_dir() else []:
            if child.is_dir():
                shutil.rmtree(child)
        write_tree(files, root)
    print(f"wrote {sum(len(f) for f in trees.values())} files ({len(stale)} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
