"""paratest_split.testing: the contract check catches each kind of violation."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.testing import assert_discoverer_contract, discoverer_problems


class Sloppy:
    """Breaks every rule it can, depending on flags."""

    name: ClassVar[str] = "sloppy"
    file_level: ClassVar[bool] = True

    def __init__(self, *, items: list[TestItem], shell: bool = False, drop: bool = False) -> None:
        self.items = items
        self.shell = shell
        self.drop = drop

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        del options
        return self.items

    def item_for_id(self, test_id: str) -> TestItem:
        return TestItem(id=test_id, file=test_id, classname="other" if "x" in test_id else None)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        tests = request.tests[1:] if self.drop else request.tests
        if self.shell:
            return [Invocation(argv=("sh", "-c", "run " + " ".join(tests)), tests=tests)]
        return [Invocation(argv=("run", *tests), tests=tests)]


def test_a_correct_plugin_passes(tmp_path: Path) -> None:
    items = [TestItem(id="a.sh", file="a.sh"), TestItem(id="b.sh", file="b.sh")]
    assert assert_discoverer_contract(Sloppy(items=items), DiscoverOptions(root=tmp_path), tmp_path)
    assert (tmp_path / "tests.txt").read_text() == "a.sh\n"


@pytest.mark.parametrize(
    ("items", "flags", "problem"),
    [
        ([TestItem(id="a", file="a"), TestItem(id="a", file="a")], {}, "discovered twice"),
        ([TestItem(id="a\nb", file="a")], {}, "spans lines"),
        ([TestItem(id="a", name="a")], {}, "needs file set and name=None"),
        ([TestItem(id="x.sh", file="x.sh")], {}, "gives JUnit key ('other', None)"),
        ([TestItem(id="a.sh", file="a.sh")], {"shell": True}, "pasted into the shell script"),
        ([TestItem(id="a.sh", file="a.sh")], {"drop": True}, "not exactly the 1 requested"),
    ],
)
def test_violations_are_reported(
    tmp_path: Path, items: list[TestItem], flags: dict[str, bool], problem: str
) -> None:
    problems = discoverer_problems(
        Sloppy(items=items, **flags), DiscoverOptions(root=tmp_path), tmp_path
    )
    assert any(problem in p for p in problems), problems
    with pytest.raises(AssertionError, match="discoverer contract violated"):
        assert_discoverer_contract(
            Sloppy(items=items, **flags), DiscoverOptions(root=tmp_path), tmp_path
        )


def test_not_a_discoverer(tmp_path: Path) -> None:
    assert discoverer_problems(object(), DiscoverOptions(root=tmp_path), tmp_path) == [
        "not a Discoverer: needs name, file_level, discover, item_for_id, invocations"
    ]
