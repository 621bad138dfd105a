"""README.md's generated parts and its two opening commands stay true."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _gen() -> object:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_docs_are_up_to_date() -> None:
    gen = _gen()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.render_readme(text) == text, "run: python scripts/gen_docs.py"  # type: ignore[attr-defined]
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert gen.render_reference(reference) == reference, "run: python scripts/gen_docs.py"  # type: ignore[attr-defined]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.DOTALL)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert "paratest-split local" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
