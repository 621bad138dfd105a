"""junit.reader: every dialect fixture with exact values, and every hostile input."""

from __future__ import annotations

import gzip
import os
import socket
import time
from pathlib import Path

import pytest

from paratest_split.core.errors import BadInputError, ExitCode
from paratest_split.core.model import Attempt, CaseResult, Outcome, SuiteSummary, Warning_
from paratest_split.junit.reader import (
    PlainRun,
    expand_paths,
    is_pseudo_case,
    iter_merge_items,
    iter_report,
    iter_timing_rows,
    parse_time,
    read_fragment,
    read_report,
    time_known,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "junit"

P, F, E, S = Outcome.PASSED, Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED
SEP = "\u203a"  # jest and Playwright join describe titles with a single right angle quote


def rows(path: Path) -> list[tuple[str, str, str | None, str, Outcome, float]]:
    cases, _, _ = read_report(path)
    return [(c.classname, c.name, c.file, c.suite, c.final.outcome, c.final.time) for c in cases]


def by_name(path: Path, *, details: bool = True) -> dict[str, CaseResult]:
    cases, _, _ = read_report(path, details=details)
    return {c.name: c for c in cases}


def write(tmp_path: Path, data: bytes, name: str = "report.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def bad(path: Path) -> str:
    with pytest.raises(BadInputError) as info:
        read_report(path)
    assert info.value.exit_code is ExitCode.BAD_INPUT
    assert str(info.value).startswith(f"{path}: ")
    assert "\n" not in str(info.value)
    return info.value.problem


# --------------------------------------------------------------------------------------------
# Dialects


def test_pytest_xunit2() -> None:
    path = FIXTURES / "pytest_xunit2.xml"
    cls, mod = "tests.integration.test_orders.TestOrderFlow", "tests.integration.test_orders"
    assert rows(path) == [
        (cls, "test_create[EUR-1]", None, "pytest", P, 0.85),
        (cls, "test_scalar[timedelta64[s](NaT)]", None, "pytest", P, 0.012),
        (mod, "test_delimiter[ ]", None, "pytest", P, 0.0),
        (mod, "test_refund", None, "pytest", F, 1.204),
        (mod, "test_cancel", None, "pytest", E, 0.401),
        (mod, "test_slow_export", None, "pytest", S, 0.001),
        ("", "tests.integration.test_payments", None, "pytest", S, 0.0),
    ]
    cases = by_name(path)
    refund = cases["test_refund"].final
    assert refund.message == "AssertionError: assert 3 == 4"
    assert refund.details.startswith("def test_refund():\n>       assert 3 == 4\n")
    assert refund.details.endswith("tests/integration/test_orders.py:42: AssertionError")
    assert refund.stdout == "--- Captured stdout call ---\nrefund id=7\n"
    assert refund.stderr == "warning: slow db"
    assert cases["test_cancel"].final.message == 'failed on setup with "ConnectionError: db down"'
    skip = cases["test_slow_export"].final
    assert (skip.type, skip.message) == ("pytest.skip", "needs network")
    assert skip.details == "tests/integration/test_orders.py:88: needs network"
    _, suites, warnings = read_report(path)
    assert suites == [
        SuiteSummary(
            name="pytest", time=2.468, cases=7, case_time=suites[0].case_time, source=str(path)
        )
    ]
    assert suites[0].case_time == pytest.approx(2.468)
    assert warnings == []


def test_pytest_module_skip_pseudo_case_is_flagged() -> None:
    cases = by_name(FIXTURES / "pytest_xunit2.xml")
    pseudo = cases["tests.integration.test_payments"]
    assert pseudo.classname == ""
    assert is_pseudo_case(pseudo.classname, pseudo.name)
    assert not is_pseudo_case("", "test_with space")
    assert not is_pseudo_case("tests.x", "tests.y")
    timing = [r for r in iter_timing_rows(FIXTURES / "pytest_xunit2.xml") if isinstance(r, tuple)]
    assert len(timing) == 6
    assert all(r[0] for r in timing)


def test_pytest_xunit1_keeps_file_as_written() -> None:
    path = FIXTURES / "pytest_xunit1.xml"
    site = "../venv/lib/python3.11/site-packages/shop/tests/"
    assert rows(path) == [
        ("shop.tests.test_cart.TestCart", "test_add", site + "test_cart.py", "pytest", P, 0.12),
        ("shop.tests.test_cart.TestCart", "test_remove", site + "test_cart.py", "pytest", P, 0.081),
        (
            "shop.tests.test_util",
            "test_slugify[caf\\xe9-Cafe\\u0301]",  # pytest's escapes are text, kept as-is
            site + "test_util.py",
            "pytest",
            P,
            0.002,
        ),
    ]


def test_surefire_flaky_and_rerun_attempts() -> None:
    path = FIXTURES / "TEST-com.acme.shop.OrderServiceTest.xml"
    cls = "com.acme.shop.OrderServiceTest"
    assert rows(path) == [
        (cls, "createsOrder", None, cls, P, 0.5),
        (cls, "retriesPayment", None, cls, P, 0.75),
        (cls, "cancelsOrder", None, cls, F, 0.25),
        (cls, "exportsCsv", None, cls, E, 1.25),
        (cls, "archivesOrder", None, cls, S, 0.0),
    ]
    cases = by_name(path)
    flaky = cases["retriesPayment"]
    assert flaky.flaky
    assert flaky.properties == ()  # the suite's <properties> are not a case's
    # Surefire writes no time on re-runs: such an attempt's time is not known
    assert flaky.earlier == (
        Attempt(
            outcome=F,
            time_known=False,
            message="expected: <200> but was: <503>",
            type="org.opentest4j.AssertionFailedError",
            details=(
                "org.opentest4j.AssertionFailedError: expected: <200> but was: <503>\n"
                "\tat com.acme.shop.OrderServiceTest.retriesPayment(OrderServiceTest.java:42)"
            ),
            stdout="calling payment gateway (attempt 1)",
        ),
        Attempt(
            outcome=E,
            time_known=False,
            message="Connection reset",
            type="java.net.SocketException",
            details=(
                "java.net.SocketException: Connection reset\n"
                "\tat com.acme.shop.PaymentClient.send(PaymentClient.java:88)"
            ),
        ),
    )
    rerun = cases["cancelsOrder"]
    assert not rerun.flaky
    assert rerun.final.message == "expected: <CANCELLED> but was: <OPEN>"
    assert rerun.final.stdout == "cancel requested"
    assert rerun.earlier == (
        Attempt(
            outcome=F,
            time_known=False,
            message="expected: <CANCELLED> but was: <PENDING>",
            type="org.opentest4j.AssertionFailedError",
            details="org.opentest4j.AssertionFailedError: expected: <CANCELLED> but was: <PENDING>",
            stderr="retry 1",
        ),
    )
    assert cases["exportsCsv"].earlier[0].outcome is E
    assert cases["archivesOrder"].final.message == "archive service disabled"


def test_surefire2_thousands_separators() -> None:
    path = FIXTURES / "TEST-com.acme.LegacyReportTest.xml"
    assert [c[5] for c in rows(path)] == [1234.5, 1.067, 0.25]
    _, suites, _ = read_report(path)
    assert suites[0].time == 1235.817


def test_gradle_directory_one_file_per_class() -> None:
    files, warnings = expand_paths(["gradle"], FIXTURES)
    assert [f.name for f in files] == [
        "TEST-com.acme.CartTest.xml",
        "TEST-com.acme.CheckoutTest.xml",
    ]
    assert warnings == []
    cart = files[0]
    assert rows(cart) == [
        ("com.acme.CartTest", "addsItem()", None, "com.acme.CartTest", P, 0.05),
        ("com.acme.CartTest", "removesItem()", None, "com.acme.CartTest", F, 0.02),
        ("com.acme.CartTest", "[1] apple, 2", None, "com.acme.CartTest", P, 0.003),
        ("com.acme.CartTest", "clearsCart()", None, "com.acme.CartTest", S, 0.0),
    ]
    case = by_name(cart)["addsItem()"]
    assert case.final.stdout == ""  # the suite-level <system-out> belongs to no case
    assert rows(files[1]) == [
        ("com.acme.CheckoutTest", "paysWithCard()", None, "com.acme.CheckoutTest", P, 2.5)
    ]


def test_go_junit_report_subtests() -> None:
    path = FIXTURES / "go-junit-report.xml"
    pkg, money = "github.com/acme/shop/orders", "github.com/acme/shop/internal/money"
    assert rows(path) == [
        (pkg, "TestCreate", None, pkg, P, 0.01),
        (pkg, "TestCreate/empty_cart", None, pkg, P, 0.004),
        (pkg, "TestCancel", None, pkg, F, 0.2),
        (pkg, "TestRefund", None, pkg, S, 0.0),
        (money, "TestRound", None, money, P, 0.001),
    ]
    cases = by_name(path)
    assert cases["TestCancel"].final.details == "    orders_test.go:42: want status 1, got 2"
    assert cases["TestRefund"].final.message == "Skipped"
    _, suites, _ = read_report(path)
    assert [(s.name, s.time, s.cases) for s in suites] == [(pkg, 0.215, 4), (money, 0.001, 1)]


def test_gotestsum() -> None:
    path = FIXTURES / "gotestsum.xml"
    pkg = "example.com/inventory"
    assert rows(path) == [
        (pkg, "TestStock", None, pkg, P, 0.3),
        (pkg, "TestStock/negative_quantity", None, pkg, P, 0.1),
        (pkg, "TestReserve", None, pkg, F, 1.005),
        (pkg, "TestMain", None, pkg, F, 0.0),
    ]
    assert by_name(path)["TestReserve"].final.details == (
        "=== RUN   TestReserve\n    reserve_test.go:17: reserved 3, want 2\n"
        "--- FAIL: TestReserve (1.01s)\n"
    )


def test_jest_junit_optional_file_attribute() -> None:
    path = FIXTURES / "jest-junit.xml"
    cart, fmt = "src/cart/cart.test.ts", "src/util/format.test.ts"
    assert rows(path) == [
        ("Cart adds an item", "Cart adds an item", cart, cart, P, 0.012),
        ("Cart computes the total in €", "Cart computes the total in €", cart, cart, F, 1.3),
        (
            f"Cart {SEP} discounts applies a coupon",
            f"Cart {SEP} discounts applies a coupon",
            cart,
            cart,
            S,
            0.0,
        ),
        ("format pads numbers", "format pads numbers", None, fmt, P, 0.002),
    ]
    failure = by_name(path)["Cart computes the total in €"].final
    assert failure.message == ""
    assert failure.details.startswith("Error: expect(received).toBe(expected)")
    assert failure.details.endswith("at Object.<anonymous> (src/cart/cart.test.ts:21:30)")


def test_playwright() -> None:
    path = FIXTURES / "playwright.xml"
    spec = "login.spec.ts"
    assert rows(path) == [
        (spec, f"login {SEP} logs in with a valid password", None, spec, P, 2.9),
        (spec, f"login {SEP} rejects a wrong password", None, spec, F, 3.3),
        (spec, f"login {SEP} remembers the user", None, spec, S, 0.0),
    ]
    cases = by_name(path)
    assert cases[f"login {SEP} logs in with a valid password"].properties == (
        ("owner", "team-auth"),
    )
    failed = cases[f"login {SEP} rejects a wrong password"].final
    assert (failed.message, failed.type) == (
        "login.spec.ts:14:5 rejects a wrong password",
        "FAILURE",
    )
    assert "Timed out 5000ms" in failed.details
    assert "[[ATTACHMENT|test-results/login-rejects-chromium/trace.zip]]" in failed.stdout
    assert cases[f"login {SEP} remembers the user"].final.details == ""  # whitespace only


def test_phpunit_nested_suites() -> None:
    path = FIXTURES / "phpunit.xml"
    php = "/app/tests/Unit/CartTest.php"
    cls, provider = "Tests\\Unit\\CartTest", "Tests\\Unit\\CartTest::testTotal"
    assert rows(path) == [
        ("Tests.Unit.CartTest", "testAdd", php, cls, P, 0.004),
        ("Tests.Unit.CartTest", "testRemove", php, cls, F, 0.00225),
        ("Tests.Unit.CartTest", "testTotal with data set #0", php, provider, P, 0.025),
        # no file attribute: inherited from the enclosing class suite
        ("Tests.Unit.CartTest", 'testTotal with data set "empty cart"', php, provider, S, 0.0),
    ]
    _, suites, _ = read_report(path)
    # inner suites close first; cases of nested suites count in every enclosing suite
    assert [(s.name, s.cases, s.time) for s in suites] == [
        (provider, 2, 0.025),
        (cls, 4, 0.03125),
        ("Unit", 4, 0.03125),
    ]
    assert suites[2].case_time == pytest.approx(0.03125)


def test_phpunit_class_attribute_used_without_classname(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'<testsuite name="s"><testcase name="t" class="App\\FooTest" time="1"/></testsuite>',
    )
    assert rows(path) == [("App\\FooTest", "t", None, "s", P, 1.0)]


def test_cypress_file_from_root_suite() -> None:
    path = FIXTURES / "cypress-login.xml"
    spec = "cypress/e2e/login.cy.ts"
    assert rows(path) == [
        (
            "logs in with valid credentials",
            "Login logs in with valid credentials",
            spec,
            "Login",
            P,
            1.2,
        ),
        ("rejects a bad password", "Login rejects a bad password", spec, "Login", F, 0.9),
        (
            "keeps the session",
            "Login remember me keeps the session",
            spec,
            "Login > remember me",
            P,
            1.35,
        ),
    ]
    failed = by_name(path)["Login rejects a bad password"].final
    assert failed.message == (
        "Timed out retrying after 4000ms: expected '<div.error>' to be 'visible'"
    )
    _, suites, _ = read_report(path)
    assert [(s.name, s.cases) for s in suites] == [
        ("Root Suite", 0),
        ("Login", 2),
        ("Login > remember me", 1),
    ]


def test_bare_testsuite_root_and_cases_outside_suites(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'<testsuites><testcase classname="a" name="b" time="2"/></testsuites>',
    )
    assert rows(path) == [("a", "b", None, "", P, 2.0)]
    path = write(tmp_path, b'<testsuite name="only"><testcase classname="a" name="b"/></testsuite>')
    cases, suites, warnings = read_report(path)
    assert [(c.suite, c.final.time, time_known(c)) for c in cases] == [("only", 0.0, False)]
    assert suites == [
        SuiteSummary(name="only", time=None, cases=1, case_time=0.0, source=str(path), untimed=1)
    ]
    assert [w.message for w in warnings] == [
        "1 case(s) have no time attribute; not used for timing"
    ]


def test_details_false_skips_texts_but_keeps_messages() -> None:
    path = FIXTURES / "TEST-com.acme.shop.OrderServiceTest.xml"
    lean = by_name(path, details=False)
    full = by_name(path)
    assert list(lean) == list(full)
    cancel = lean["cancelsOrder"]
    assert cancel.final.outcome is F
    assert cancel.final.message == "expected: <CANCELLED> but was: <OPEN>"
    assert (cancel.final.details, cancel.final.stdout) == ("", "")
    assert cancel.earlier == (
        Attempt(
            outcome=F,
            time_known=False,
            message="expected: <CANCELLED> but was: <PENDING>",
            type="org.opentest4j.AssertionFailedError",
        ),
    )
    for name, case in lean.items():
        assert case.final.time == full[name].final.time


def test_first_failure_or_error_decides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'<testsuite><testcase classname="c" name="t" time="1">'
        b'<skipped message="s">skip text</skipped>'
        b'<failure message="f1" type="T1">first</failure>'
        b'<error message="e" type="T2">teardown</error>'
        b"</testcase></testsuite>",
    )
    final = by_name(path)["t"].final
    assert (final.outcome, final.message, final.type, final.details) == (F, "f1", "T1", "first")


# --------------------------------------------------------------------------------------------
# Times


def test_times_fixture() -> None:
    path = FIXTURES / "times.xml"
    cases, suites, warnings = read_report(path)
    got = {c.name: (c.final.time, time_known(c), c.final.time_known, c.properties) for c in cases}
    assert got == {
        "plain": (1.5, True, True, ()),
        "thousands": (1234.5, True, True, ()),
        "thousands_int": (2000.0, True, True, ()),
        "decimal_comma": (0.5, True, True, ()),
        "german": (1234.5, True, True, ()),
        "spaces": (2.25, True, True, ()),
        "exponent": (0.001, True, True, ()),
        "missing": (0.0, False, False, ()),
        "empty": (0.0, False, False, ()),
        "nan": (0.0, False, False, ()),
        "negative": (0.0, False, False, ()),
        "infinite": (0.0, False, False, ()),
        "huge": (0.0, False, False, ()),
        "words": (0.0, False, False, ()),
    }
    assert [str(w) for w in warnings] == [
        f"{path}: case 't.Times' 'nan': time 'NaN' is not finite; not used for timing",
        f"{path}: case 't.Times' 'negative': time '-1.0' is negative; not used for timing",
        f"{path}: case 't.Times' 'infinite': time 'inf' is not finite; not used for timing",
        f"{path}: case 't.Times' 'huge': time '700000' is more than a week; not used for timing",
        f"{path}: case 't.Times' 'words': time '12 seconds' is not a number; not used for timing",
        f"{path}: suite 'times': time 'nan' is not usable; ignored",
        f"{path}: 2 case(s) have no time attribute; not used for timing",
    ]
    (suite,) = suites
    assert (suite.time, suite.cases) == (None, 14)
    assert suite.case_time == pytest.approx(1.5 + 1234.5 + 2000 + 0.5 + 1234.5 + 2.25 + 0.001)
    timing = {r[1]: r[3] for r in iter_timing_rows(path) if isinstance(r, tuple)}
    assert timing["thousands"] == 1234.5
    assert timing["nan"] is None
    assert timing["missing"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5", 1.5),
        ("1,234.5", 1234.5),
        ("12,345,678.25", 12345678.25),
        ("1,234", 1234.0),
        ("0,5", 0.5),
        ("12,25", 12.25),
        ("1.234,5", 1234.5),
        ("", None),
        ("1,2,3", None),
        ("1.2.3", None),
        ("fast", None),
        (None, None),
    ],
)
def test_parse_time(text: str | None, expected: float | None) -> None:
    assert parse_time(text) == expected


def test_many_bad_times_give_capped_warnings(tmp_path: Path) -> None:
    cases = b"".join(
        b'<testcase classname="c" name="t%d" time="-%d"/>' % (i, i + 1) for i in range(50)
    )
    path = write(tmp_path, b"<testsuite>" + cases + b"</testsuite>")
    _, _, warnings = read_report(path)
    assert len(warnings) == 21
    assert warnings[-1].message == "30 more cases have unusable times; not used for timing"


# --------------------------------------------------------------------------------------------
# Names and encodings


def test_names_are_preserved_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            '<testsuite><testcase classname="a.b" name="$(rm -rf /); echo &quot;x&quot; | '
            "'y' &amp;&amp; `z` &lt;&gt; \\x00 \\n tab&#9;end" + '" time="1"/>'
            '<testcase classname="a.b" name="line1&#10;line2&#13;" time="1"/>'
            '<testcase classname="日本.テスト" name="test_ü[😀-é]" time="1"/>'
            '<testcase classname="a.b" name="entity-like &amp;#38; &amp;amp;" time="1"/>'
            "</testsuite>"
        ).encode(),
    )
    names = [(c.classname, c.name) for c in read_report(path)[0]]
    assert names == [
        ("a.b", "$(rm -rf /); echo \"x\" | 'y' && `z` <> \\x00 \\n tab\tend"),
        ("a.b", "line1\nline2\r"),
        ("日本.テスト", "test_ü[😀-é]"),
        ("a.b", "entity-like &#38; &amp;"),
    ]
    lean = [(r[0], r[1]) for r in iter_timing_rows(path) if isinstance(r, tuple)]
    assert lean == names


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            '<?xml version="1.0" encoding="ISO-8859-1"?><testsuite><testcase classname="é" '
            'name="ñ" time="1"/></testsuite>'.encode("latin-1"),
            id="latin-1",
        ),
        pytest.param(
            b"\xef\xbb\xbf"
            + '<testsuite><testcase classname="é" name="ñ" time="1"/></testsuite>'.encode(),
            id="utf-8-bom",
        ),
        pytest.param(
            '<?xml version="1.0" encoding="UTF-16"?><testsuite><testcase classname="é" '
            'name="ñ" time="1"/></testsuite>'.encode("utf-16"),
            id="utf-16-bom",
        ),
        pytest.param(
            b"\xfe\xff"
            + '<testsuite><testcase classname="é" name="ñ" time="1"/></testsuite>'.encode(
                "utf-16-be"
            ),
            id="utf-16-be-bom",
        ),
    ],
)
def test_encodings(tmp_path: Path, data: bytes) -> None:
    assert rows(write(tmp_path, data)) == [("é", "ñ", None, "", P, 1.0)]


def test_undeclared_latin1_bytes_are_a_bad_file(tmp_path: Path) -> None:
    path = write(tmp_path, '<testsuite><testcase name="é"/></testsuite>'.encode("latin-1"))
    assert bad(path).startswith("not well-formed XML at line 1: ")


def test_gzip_is_transparent(tmp_path: Path) -> None:
    plain = (FIXTURES / "pytest_xunit2.xml").read_bytes()
    path = write(tmp_path, gzip.compress(plain), "report.xml.gz")
    assert rows(path) == rows(FIXTURES / "pytest_xunit2.xml")
    also = write(tmp_path, gzip.compress(plain), "named-plain.xml")  # content decides, not name
    assert len(rows(also)) == 7


# --------------------------------------------------------------------------------------------
# Hostile and broken inputs


def _billion_laughs() -> bytes:
    entities = [b'<!ENTITY lol "lol">']
    entities += [
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    ]
    return (
        b'<?xml version="1.0"?><!DOCTYPE lolz [' + b"".join(entities) + b"]>"
        b'<testsuites><testsuite name="&lol9;"><testcase classname="&lol9;" name="x">&lol9;'
        b"</testcase></testsuite></testsuites>"
    )


def _quadratic_blowup() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + b"A" * 100_000 + b'">]>'
        b'<testsuite><testcase classname="c" name="x">'
        + b"&a;" * 100_000
        + b"</testcase></testsuite>"
    )


@pytest.mark.parametrize(
    "make", [_billion_laughs, _quadratic_blowup], ids=["billion-laughs", "quadratic"]
)
def test_entity_bombs_are_rejected_fast(tmp_path: Path, make: object) -> None:
    assert callable(make)
    path = write(tmp_path, make())
    started = time.perf_counter()
    problem = bad(path)
    assert time.perf_counter() - started < 0.5
    assert problem == "has a DOCTYPE (DTDs and entity declarations are refused for safety)"


@pytest.mark.parametrize("where", ["text", "attribute", "parameter"])
def test_xxe_does_not_leak_local_files(tmp_path: Path, where: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a")
    if where == "parameter":
        dtd = f'<!ENTITY % p SYSTEM "file://{secret}"> %p;'
        body = '<testcase classname="c" name="n" time="1"/>'
    else:
        dtd = f'<!ENTITY x SYSTEM "file://{secret}">'
        body = (
            '<testcase classname="c" name="n" time="1">&x;</testcase>'
            if where == "text"
            else '<testcase classname="&x;" name="n" time="1"/>'
        )
    path = write(tmp_path, f"<!DOCTYPE t [{dtd}]><testsuite>{body}</testsuite>".encode())
    seen: list[object] = []
    with pytest.raises(BadInputError) as info:
        seen.extend(iter_report(path))
    assert "TOP-SECRET" not in str(info.value)
    assert seen == []
    with pytest.raises(BadInputError):
        list(iter_timing_rows(path))
    etc = write(
        tmp_path, b'<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><testsuite name="&x;"/>'
    )
    with pytest.raises(BadInputError) as info:
        read_report(etc)
    assert "root:" not in str(info.value)


def test_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        path = write(
            tmp_path,
            f'<?xml version="1.0"?><!DOCTYPE testsuite SYSTEM "http://127.0.0.1:{port}/junit.dtd">'
            '<testsuite><testcase classname="c" name="n" time="1"/></testsuite>'.encode(),
        )
        assert bad(path).startswith("has a DOCTYPE")
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file (only whitespace)"),
        (b'{"tests": []}\n', "not XML (no element at line 1; Start tag expected, '<' not found)"),
        (
            b"\x00\x01\x02\x03binary",
            "not XML (no element at line 1; Start tag expected, '<' not found)",
        ),
        (
            b"<html><body>502 Bad Gateway</body></html>",
            "root element is <html>, expected <testsuites> or <testsuite>",
        ),
        (
            b"<testcase name='x'/>",
            "root element is <testcase>, expected <testsuites> or <testsuite>",
        ),
        (
            b'<testsuites>\n<testsuite name="a">\n<testcase name="x" time="1"/>\n',
            "truncated XML at line 4 (the document ends before its root element closes)",
        ),
        (
            b'<testsuites>\n<testsuite name="a">\n<testcase name="x" ti',
            "truncated XML at line 3 (the document ends before its root element closes)",
        ),
        (
            b"<testsuites><testsuite></testsuites>",
            (
                "not well-formed XML at line 1: "
                "Opening and ending tag mismatch: testsuite line 1 and testsuites"
            ),
        ),
        (
            b"<testsuites>&nbsp;</testsuites>",
            "not well-formed XML at line 1: Entity 'nbsp' not defined",
        ),
        (
            b"<testsuites/><testsuites/>",
            "not well-formed XML at line 1: Extra content at the end of the document",
        ),
    ],
    ids=[
        "empty",
        "whitespace",
        "json",
        "binary",
        "html",
        "testcase-root",
        "truncated-after-case",
        "truncated-in-tag",
        "mismatch",
        "undefined-entity",
        "two-roots",
    ],
)
def test_bad_files(tmp_path: Path, data: bytes, problem: str) -> None:
    path = write(tmp_path, data)
    assert bad(path) == problem
    with pytest.raises(BadInputError):
        list(iter_timing_rows(path))


def test_bad_gzip(tmp_path: Path) -> None:
    data = gzip.compress((FIXTURES / "pytest_xunit2.xml").read_bytes())
    truncated = write(tmp_path, data[: len(data) // 2], "truncated.xml.gz")
    assert bad(truncated) == "truncated gzip data (the compressed stream ends early)"
    corrupt = write(tmp_path, data[:10] + b"\xff" * 40 + data[50:], "corrupt.xml.gz")
    assert bad(corrupt).startswith("corrupt gzip data (")
    empty = write(tmp_path, gzip.compress(b""), "empty.xml.gz")
    assert bad(empty) == "empty file"


def test_directory_missing_and_unreadable(tmp_path: Path) -> None:
    assert bad(tmp_path) == "is a directory, expected a JUnit XML file"
    assert bad(tmp_path / "nope.xml") == "no such file"
    locked = write(tmp_path, b"<testsuite/>", "locked.xml")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        assert bad(locked) == "cannot read the file: permission denied"
    finally:
        locked.chmod(0o644)


def test_duplicates_are_all_yielded(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'<testsuite><testcase classname="c" name="t" time="1"/>'
        b'<testcase classname="c" name="t" time="3"/></testsuite>',
    )
    assert [c[5] for c in rows(path)] == [1.0, 3.0]


def test_huge_attribute_is_a_bad_file(tmp_path: Path) -> None:
    path = write(tmp_path, b'<testsuite><testcase name="' + b"n" * 11_000_000 + b'"/></testsuite>')
    assert bad(path) == "a name, attribute or text at line 1 exceeds libxml2's safety limits"


# --------------------------------------------------------------------------------------------
# expand_paths


def test_expand_paths(tmp_path: Path) -> None:
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for name in ("a/one.xml", "a/deep/two.xml.gz", "a/deep/notes.txt", "top.xml", "b.xml"):
        (tmp_path / name).write_text("<testsuite/>")
    files, warnings = expand_paths(
        ["a", "*.xml", "**/two.xml.gz", str(tmp_path / "top.xml"), "missing/*.xml"], tmp_path
    )
    assert files == sorted(
        [
            tmp_path / "a/one.xml",
            tmp_path / "a/deep/two.xml.gz",
            tmp_path / "b.xml",
            tmp_path / "top.xml",
        ],
        key=str,
    )
    assert warnings == ["--junit 'missing/*.xml' matched no JUnit file"]
    with pytest.raises(BadInputError, match=r"gone\.xml: no such file or directory"):
        expand_paths(["a", "gone.xml"], tmp_path)  # a named path must exist
    all_files, _ = expand_paths(["**"], tmp_path)
    assert len(all_files) == 4  # directories matched by ** are walked; notes.txt is not a report
    assert expand_paths([], tmp_path) == ([], [])


def test_iter_report_is_lazy(tmp_path: Path) -> None:
    cases = b"".join(b'<testcase classname="c" name="t%d" time="1"/>' % i for i in range(30_000))
    path = write(tmp_path, b"<testsuite>" + cases + b"</testsuite>" + b"<broken")
    stream = iter_report(path)
    first = next(stream)
    assert isinstance(first, CaseResult)
    assert first.name == "t0"
    with pytest.raises(BadInputError):
        list(stream)


def test_expand_paths_glob_with_a_name_keeps_any_suffix(tmp_path: Path) -> None:
    (tmp_path / "TEST-a.junit").write_text("<testsuite/>")
    (tmp_path / "TEST-b.xml").write_text("<testsuite/>")
    (tmp_path / "other.txt").write_text("x")
    files, warnings = expand_paths(["TEST-*"], tmp_path)
    assert files == [tmp_path / "TEST-a.junit", tmp_path / "TEST-b.xml"]
    assert warnings == []
    files, _ = expand_paths(["*"], tmp_path)
    assert files == [tmp_path / "TEST-b.xml"]


def test_permission_denied_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, b"<testsuite/>")

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    assert bad(path) == "cannot read the file: permission denied"


# --------------------------------------------------------------------------------------------
# Pseudo-cases, the merge stream, fragments


def test_only_dotted_module_names_count_as_pytest_pseudo_cases(tmp_path: Path) -> None:
    """Finding 1: opaque ids (classname "") that errored or skipped are real tests; timing
    drops only pytest's module pseudo-cases, whose name is a dotted module path."""
    assert is_pseudo_case("", "tests.integration.test_payments")
    assert is_pseudo_case("", "my-tests.test_x")
    assert not is_pseudo_case("", "login_works")  # no dot: an opaque id
    assert not is_pseudo_case("", "tests/test_x.py")
    assert not is_pseudo_case("", "tests.test_x.py::test_a[1]")
    path = write(
        tmp_path,
        b'<testsuite name="s">'
        b'<testcase classname="" name="tests.test_mod" time="0.1"><skipped/></testcase>'
        b'<testcase classname="" name="login_works" time="2"><error message="x"/></testcase>'
        b'<testcase classname="" name="logout_works" time="3"><skipped/></testcase>'
        b'<testcase classname="" name="tests.also_fine" time="4"/>'
        b"</testsuite>",
    )
    timing = [(r[1], r[3]) for r in iter_timing_rows(path) if isinstance(r, tuple)]
    assert timing == [("login_works", 2.0), ("logout_works", 3.0), ("tests.also_fine", 4.0)]
    # the full stream and the merge stream keep every case
    assert [c.name for c in read_report(path)[0]] == [
        "tests.test_mod",
        "login_works",
        "logout_works",
        "tests.also_fine",
    ]


def _flatten(path: Path) -> list[tuple[str, str, str | None, str, Outcome, float, bool]]:
    """iter_merge_items as (classname, name, file, suite, outcome, time, time_known) rows."""
    result: list[tuple[str, str, str | None, str, Outcome, float, bool]] = []
    for item in iter_merge_items(path):
        if isinstance(item, PlainRun):
            result.extend(
                (c, n, f, item.suite, P, t, True)
                for c, n, f, t in zip(
                    item.classnames, item.names, item.files, item.times, strict=True
                )
            )
        elif isinstance(item, CaseResult):
            final = item.final
            result.append(
                (
                    item.classname,
                    item.name,
                    item.file,
                    item.suite,
                    final.outcome,
                    final.time,
                    final.time_known,
                )
            )
    return result


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.xml*")))
def test_merge_stream_carries_the_same_cases_as_iter_report(fixture: str) -> None:
    path = FIXTURES / fixture
    try:
        cases, suites, warnings = read_report(path)
    except BadInputError:
        with pytest.raises(BadInputError):
            list(iter_merge_items(path))
        return
    assert _flatten(path) == [
        (c.classname, c.name, c.file, c.suite, c.final.outcome, c.final.time, c.final.time_known)
        for c in cases
    ]
    merged_suites = [i for i in iter_merge_items(path) if isinstance(i, SuiteSummary)]
    assert [(s.name, s.cases, s.time) for s in merged_suites] == [
        (s.name, s.cases, s.time) for s in suites
    ]
    for ours, theirs in zip(merged_suites, suites, strict=True):
        assert ours.case_time == pytest.approx(theirs.case_time)
    assert [w for w in iter_merge_items(path) if isinstance(w, Warning_)] == warnings


def test_merge_stream_runs_break_at_other_cases_suites_and_chunks(tmp_path: Path) -> None:
    body = (
        b"".join(b'<testcase classname="c" name="t%d" time="1"/>' % n for n in range(3))
        + b'<testcase classname="c" name="bad" time="1"><failure/></testcase>'
    )
    data = (
        b'<testsuites><testsuite name="a">' + body + b'<testcase classname="c" name="u" time="2"/>'
        b'</testsuite><testsuite name="b" file="b.py"><testcase classname="c" name="v" time="3"/>'
        b"</testsuite></testsuites>"
    )
    path = write(tmp_path, data)
    shapes = [
        (type(i).__name__, len(i) if isinstance(i, PlainRun) else None)
        for i in iter_merge_items(path)
        if not isinstance(i, Warning_)
    ]
    assert shapes == [
        ("PlainRun", 3),
        ("CaseResult", None),
        ("PlainRun", 1),
        ("SuiteSummary", None),
        ("PlainRun", 1),
        ("SuiteSummary", None),
    ]
    runs = [i for i in iter_merge_items(path) if isinstance(i, PlainRun)]
    assert (runs[2].suite, runs[2].files) == ("b", ["b.py"])
    # a big file: no run holds more than a chunk's worth of cases
    many = b"".join(b'<testcase classname="c" name="n%d" time="1"/>' % n for n in range(40_000))
    big = write(tmp_path, b"<testsuite>" + many + b"</testsuite>", "big.xml")
    sizes = [len(i) for i in iter_merge_items(big) if isinstance(i, PlainRun)]
    assert sum(sizes) == 40_000
    assert len(sizes) > 1


def test_read_fragment_reads_written_cases() -> None:
    data = (
        b'<testcase classname="c" name="a&amp;b" time="1.500"/>\n'
        b'<testcase classname="c" name="t"><failure message="m" type="T">x</failure></testcase>'
    )
    cases = read_fragment(data, "spool")
    assert [(c.name, c.final.outcome, c.final.time, c.final.time_known) for c in cases] == [
        ("a&b", P, 1.5, True),
        ("t", F, 0.0, False),
    ]
    assert cases[1].final.details == "x"
    with pytest.raises(BadInputError):
        read_fragment(b"<testcase", "spool")


def test_directory_walk_skips_hidden_files_and_directories(tmp_path: Path) -> None:
    """Finding 2: a killed merge's `.spool-*.xml` (a bare `<testcase>` stream) in the results
    directory was read as a report (exit 10); `.paratest/history` holds old merged reports."""
    (tmp_path / "r" / ".paratest" / "history").mkdir(parents=True)
    (tmp_path / "r" / "shard-0.xml").write_text("<testsuite/>")
    (tmp_path / "r" / ".spool-abc.xml").write_text('<testcase classname="c" name="x"/>')
    (tmp_path / "r" / ".paratest" / "history" / "old.xml.gz").write_text("x")
    for pattern in ("r", "r/**", "**"):
        files, warnings = expand_paths([pattern], tmp_path)
        assert files == [tmp_path / "r" / "shard-0.xml"], pattern
        assert warnings == []
    # named explicitly, a hidden file or directory is still read
    files, _ = expand_paths(["r/.spool-abc.xml", "r/.paratest/history"], tmp_path)
    assert files == [
        tmp_path / "r" / ".paratest" / "history" / "old.xml.gz",
        tmp_path / "r" / ".spool-abc.xml",
    ]
