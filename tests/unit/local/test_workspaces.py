from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from paratest_split.core.errors import UsageError
from paratest_split.local.workspaces import WORKSPACES_DIR, WorkspaceManager, copy_tree


def _write(path: Path, text: str = "x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    _write(root / "paratest.yaml", "shards: 2\n")
    _write(root / "tests" / "test_a.py", "def test_a(): pass\n")
    _write(root / "tests" / "__pycache__" / "test_a.pyc")
    _write(root / ".git" / "HEAD")
    _write(root / ".venv" / "bin" / "python")
    _write(root / "env311" / "pyvenv.cfg")  # a venv by its marker, whatever its name
    _write(root / ".pytest_cache" / "v")
    _write(root / "paratest-results" / "shard-0.xml")
    _write(root / ".paratest" / "history" / "run.xml.gz")
    _write(root / "reports" / "junit.xml")
    _write(root / "node_modules" / "jest" / "index.js")
    _write(root / "src" / "app.py", "VALUE = 1\n")
    (root / "src" / "link.py").symlink_to("app.py")
    return root


def _files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()
    )


def test_copy_tree_skips_vcs_venvs_caches_outputs(project: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy"
    copy_tree(project, dest, skip=("reports",))
    assert _files(dest) == [
        "node_modules",
        "paratest.yaml",
        "src/app.py",
        "src/link.py",
        "tests/test_a.py",
    ]
    assert (dest / "node_modules").is_symlink()
    assert (dest / "node_modules").resolve() == (project / "node_modules").resolve()
    assert (dest / "node_modules" / "jest" / "index.js").read_text() == "x"
    assert (dest / "src" / "link.py").is_symlink()
    assert (dest / "src" / "link.py").readlink() == Path("app.py")


def test_copy_tree_refuses_existing_destination(project: Path, tmp_path: Path) -> None:
    (tmp_path / "copy").mkdir()
    with pytest.raises(FileExistsError):
        copy_tree(project, tmp_path / "copy")


def test_copy_workspaces_are_separate_and_removed(project: Path) -> None:
    manager = WorkspaceManager(source=project, kind="copy")
    one, two = manager.create(0), manager.create(1)
    assert one.path == project / WORKSPACES_DIR / "shard-0"
    (one.path / "src" / "app.py").write_text("VALUE = 2\n")
    assert (two.path / "src" / "app.py").read_text() == "VALUE = 1\n"
    assert (project / "src" / "app.py").read_text() == "VALUE = 1\n"
    manager.cleanup()
    assert not (project / WORKSPACES_DIR).exists()
    assert (project / ".paratest" / "history" / "run.xml.gz").exists()  # .paratest kept: not empty


def test_stale_workspace_is_replaced(project: Path) -> None:
    stale = project / WORKSPACES_DIR / "shard-0"
    _write(stale / "leftover.txt")
    manager = WorkspaceManager(source=project, kind="copy")
    workspace = manager.create(0)
    assert not (workspace.path / "leftover.txt").exists()
    assert (workspace.path / "tests" / "test_a.py").exists()
    manager.cleanup()


def test_keep_workspaces(project: Path) -> None:
    manager = WorkspaceManager(source=project, kind="copy", keep=True)
    workspace = manager.create(3)
    manager.cleanup()
    assert (workspace.path / "paratest.yaml").exists()


def test_none_runs_in_place_and_removes_nothing(project: Path) -> None:
    manager = WorkspaceManager(source=project, kind="none")
    assert manager.create(0).path == project.resolve()
    assert manager.create(1).path == project.resolve()
    manager.cleanup()
    assert (project / "src" / "app.py").exists()


def test_script_leaves_creation_to_the_hook_and_removes_what_it_made(project: Path) -> None:
    manager = WorkspaceManager(source=project, kind="script")
    workspace = manager.create(0)
    assert not workspace.path.exists()
    _write(workspace.path / "made-by-hook.txt")
    manager.cleanup()
    assert not workspace.path.exists()


def test_unknown_kind(project: Path) -> None:
    with pytest.raises(UsageError, match="docker"):
        WorkspaceManager(source=project, kind="docker")


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def test_worktree_of_a_subdirectory(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _write(repo / "examples" / "tests" / "test_a.py", "def test_a(): pass\n")
    _write(repo / "README", "r")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "init")
    _write(repo / "examples" / "uncommitted.txt")
    source = repo / "examples"
    manager = WorkspaceManager(source=source, kind="worktree")
    workspace = manager.create(1)
    assert workspace.path == source / WORKSPACES_DIR / "shard-1" / "examples"
    assert (workspace.path / "tests" / "test_a.py").exists()
    assert not (workspace.path / "uncommitted.txt").exists()  # committed files only
    manager.cleanup()
    assert not (source / WORKSPACES_DIR).exists()
    listed = subprocess.run(
        ["git", "worktree", "list"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    assert len(listed.strip().splitlines()) == 1


def test_worktree_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    source = tmp_path / "plain"
    source.mkdir()
    manager = WorkspaceManager(source=source, kind="worktree")
    with pytest.raises(UsageError, match="git"):
        manager.create(0)
