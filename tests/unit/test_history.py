"""history: per-test timing from several builds of JUnit reports."""

from __future__ import annotations

import gc
import gzip
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paratest_split.core.errors import BadInputError
from paratest_split.core.model import Warning_
from paratest_split.history import CaseHistory, History, load_history, median

FIXTURES = Path(__file__).parents[1] / "fixtures" / "junit"


def report(tmp_path: Path, name: str, *cases: str, suite: str = "s") -> Path:
    """A report file holding `<testcase>` elements given as strings."""
    path = tmp_path / name
    body = "".join(cases)
    path.write_text(f'<testsuites><testsuite name="{suite}">{body}</testsuite></testsuites>')
    return path


def case(
    classname: str, name: str, time: str | None, extra: str = "", file: str | None = None
) -> str:
    attrs = f'classname="{classname}" name="{name}"'
    if time is not None:
        attrs += f' time="{time}"'
    if file is not None:
        attrs += f' file="{file}"'
    return f"<testcase {attrs}>{extra}</testcase>"


def test_median() -> None:
    assert median([3.0]) == 3.0
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_median_across_builds(tmp_path: Path) -> None:
    paths = [
        report(tmp_path, "b1.xml", case("m.C", "t", "1.0"), case("m.C", "u", "4.0")),
        report(tmp_path, "b2.xml", case("m.C", "t", "9.0"), case("m.C", "u", "2.0")),
        report(tmp_path, "b3.xml", case("m.C", "t", "2.0")),
    ]
    history = load_history(paths)
    assert history.cases[("m.C", "t")] == CaseHistory(
        classname="m.C", name="t", file=None, times=(1.0, 9.0, 2.0)
    )
    t = history.cases[("m.C", "t")]
    assert (t.estimate, t.builds, t.min, t.max) == (2.0, 3, 1.0, 9.0)
    u = history.cases[("m.C", "u")]
    assert (u.times, u.estimate) == ((4.0, 2.0), 3.0)
    assert history.estimates() == {("m.C", "t"): 2.0, ("m.C", "u"): 3.0}
    assert history.estimate(("m.C", "u")) == 3.0
    assert history.estimate(("m.C", "nope")) is None
    assert history.sources == tuple(str(p) for p in paths)
    assert len(history.cases) == 2
    assert list(history.cases) == [("m.C", "t"), ("m.C", "u")]
    assert ("m.C", "t") in history.cases
    assert history.warnings == ()


def test_duplicates_in_one_file_keep_the_max_and_warn(tmp_path: Path) -> None:
    one = report(
        tmp_path,
        "one.xml",
        case("m.C", "t", "1.0"),
        case("m.C", "t", "5.0"),
        case("m.C", "t", "2.0"),
        case("m.D", "x", "0.5"),
        case("m.D", "x", "0.25"),
    )
    two = report(tmp_path, "two.xml", case("m.C", "t", "3.0"))
    history = load_history([one, two])
    assert history.cases[("m.C", "t")].times == (5.0, 3.0)
    assert history.cases[("m.D", "x")].times == (0.5,)
    assert history.warnings == (
        Warning_(
            source=str(one),
            message="3 duplicate case(s), e.g. 'm.C' 't': kept the longest time of each",
        ),
    )


def test_unusable_times_do_not_count(tmp_path: Path) -> None:
    b1 = report(
        tmp_path,
        "b1.xml",
        case("m.C", "t", None),
        case("m.C", "nan", "nan"),
        case("m.C", "neg", "-2"),
        case("m.C", "ok", "2.0"),
    )
    b2 = report(tmp_path, "b2.xml", case("m.C", "t", "4.0"), case("m.C", "ok", "abc"))
    history = load_history([b1, b2])
    assert history.cases[("m.C", "t")].times == (4.0,)  # missing in b1: not a 0 s build
    assert history.cases[("m.C", "ok")].times == (2.0,)
    assert history.untimed == (("m.C", "nan"), ("m.C", "neg"))
    assert ("m.C", "nan") not in history.cases
    messages = [w.message for w in history.warnings]
    assert "1 case(s) have no time attribute; not used for timing" in messages
    assert "case 'm.C' 'ok': time 'abc' is not a number; not used for timing" in messages


def test_outcomes_and_pseudo_cases(tmp_path: Path) -> None:
    history = load_history([FIXTURES / "pytest_xunit2.xml"])
    assert len(history.cases) == 6  # the module-level skip pseudo-case is ignored
    assert all(classname for classname, _ in history.cases)
    mod = "tests.integration.test_orders"
    assert history.estimate((mod, "test_refund")) == 1.204  # failed counts
    assert history.estimate((mod, "test_cancel")) == 0.401  # errored counts
    assert history.estimate((mod, "test_slow_export")) == 0.001  # skipped counts
    assert history.untimed == ()
    (suite,) = history.suites
    assert (suite.name, suite.cases, suite.time) == ("pytest", 7, 2.468)


def test_files(tmp_path: Path) -> None:
    b1 = report(
        tmp_path,
        "b1.xml",
        case("m.C", "a", "1", file="tests/m.py"),
        case("m.C", "b", "1", file="tests/m.py"),
        case("m.C", "c", "1", file="tests/other.py"),
        case("n.D", "d", "1"),
    )
    b2 = report(tmp_path, "b2.xml", case("n.D", "d", "2", file="tests/n.py"))
    history = load_history([b2, b1])
    assert [history.cases[k].file for k in history.cases] == [
        "tests/m.py",
        "tests/m.py",
        "tests/other.py",
        "tests/n.py",
    ]
    moved = load_history(
        [
            report(tmp_path, "c1.xml", case("p.E", "old", "1", file="tests/p.py")),
            report(
                tmp_path,
                "c2.xml",
                case("p.E", "old", "1", file="tests/new/p.py"),
                case("p.E", "new", "1", file="tests/new/p.py"),
            ),
        ]
    )
    assert moved.cases[("p.E", "old")].file == "tests/p.py"  # first seen wins
    assert moved.cases[("p.E", "new")].file == "tests/new/p.py"
    cypress = load_history([FIXTURES / "cypress-login.xml"])
    assert {c.file for c in cypress.cases.values()} == {"cypress/e2e/login.cy.ts"}


def _fingerprint(history: History) -> str:
    return json.dumps(
        {
            "cases": [[*k, v.file, list(v.times)] for k, v in history.cases.items()],
            "suites": [[s.name, s.time, s.cases, s.source] for s in history.suites],
            "sources": list(history.sources),
            "warnings": [str(w) for w in history.warnings],
            "untimed": [list(k) for k in history.untimed],
        }
    )


def test_order_independent(tmp_path: Path) -> None:
    paths = [
        report(tmp_path, "build-3.xml", case("m.C", "t", "3"), case("m.C", "z", "1")),
        report(tmp_path, "build-1.xml", case("m.C", "u", "1"), case("m.C", "t", "1")),
        report(tmp_path, "build-2.xml", case("m.C", "t", "2"), case("m.C", "t", "7")),
    ]
    results = {_fingerprint(load_history(list(order))) for order in itertools.permutations(paths)}
    assert len(results) == 1
    history = load_history(paths)
    assert history.cases[("m.C", "t")].times == (1.0, 7.0, 3.0)  # build order = sorted paths
    assert list(history.cases) == [("m.C", "u"), ("m.C", "t"), ("m.C", "z")]
    assert load_history([*paths, paths[0]]).sources == history.sources  # duplicates read once


def test_independent_of_hash_seed(tmp_path: Path) -> None:
    paths = [FIXTURES / "gotestsum.xml", FIXTURES / "phpunit.xml", FIXTURES / "times.xml"]
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from paratest_split.history import load_history\n"
        "from tests.unit.test_history import _fingerprint\n"
        "print(_fingerprint(load_history([Path(p) for p in sys.argv[1:]])))\n"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code, *map(str, paths)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parents[2],
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_bad_file_raises_or_is_skipped(tmp_path: Path) -> None:
    good = report(tmp_path, "a-good.xml", case("m.C", "t", "2"))
    broken = tmp_path / "b-broken.xml"
    broken.write_text('<testsuites><testsuite><testcase classname="m.C" name="t" time="99"/>')
    with pytest.raises(BadInputError) as info:
        load_history([good, broken])
    assert info.value.path == str(broken)
    history = load_history([good, broken], skip_bad=True)
    assert history.cases[("m.C", "t")].times == (2.0,)  # nothing from the broken file
    assert history.sources == (str(good),)
    assert history.warnings == (
        Warning_(
            source=str(broken),
            message=(
                "ignored: truncated XML at line 1 "
                "(the document ends before its root element closes)"
            ),
        ),
    )
    only_bad = load_history([broken], skip_bad=True)
    assert (len(only_bad.cases), only_bad.suites) == (0, ())


def test_empty_history() -> None:
    history = load_history([])
    assert (len(history.cases), history.sources, history.warnings) == (0, (), ())
    assert history.estimates() == {}


def test_gzip_and_many_formats(tmp_path: Path) -> None:
    gz = tmp_path / "go.xml.gz"
    gz.write_bytes(gzip.compress((FIXTURES / "go-junit-report.xml").read_bytes()))
    history = load_history([gz, FIXTURES / "TEST-com.acme.LegacyReportTest.xml"])
    assert history.estimate(("github.com/acme/shop/orders", "TestCreate/empty_cart")) == 0.004
    assert history.estimate(("com.acme.LegacyReportTest", "monthlyReport")) == 1234.5
    assert len(history.suites) == 3


def test_garbage_collector_state_is_restored(tmp_path: Path) -> None:
    good = report(tmp_path, "a.xml", case("m.C", "t", "2"))
    broken = tmp_path / "b.xml"
    broken.write_text("<testsuites>")
    assert gc.isenabled()
    load_history([good])
    assert gc.isenabled()
    with pytest.raises(BadInputError):
        load_history([broken])
    assert gc.isenabled()
    gc.disable()
    try:
        load_history([good])
        assert not gc.isenabled()
    finally:
        gc.enable()
