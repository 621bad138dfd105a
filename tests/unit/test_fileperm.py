from __future__ import annotations

import os
from pathlib import Path

import pytest

from paratest_split.fileperm import atomic_file, file_mode


def test_replaces_the_target_only_when_the_block_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    target.write_bytes(b"old")

    def fail_halfway() -> None:
        with atomic_file(target, prefix=".x-") as out:
            out.write(b"half")
            raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError, match="writer failed"):
        fail_halfway()
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # no temp file left
    with atomic_file(target, prefix=".x-") as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_mode_follows_the_current_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        assert file_mode() == 0o600
        with atomic_file(tmp_path / "a", prefix=".x-") as out:
            out.write(b"a")
        os.umask(0o002)
        assert file_mode() == 0o664
        with atomic_file(tmp_path / "b", prefix=".x-") as out:
            out.write(b"b")
    finally:
        os.umask(old)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o664
