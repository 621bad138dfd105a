"""Where each shard of `paratest-split local` runs: one workspace per worker.

Kinds (`--workspaces`):
- `copy` (default): a copy of the project directory, without what a test run does not need or
  must not share: VCS metadata (`.git`, `.hg`, `.svn`), virtual environments (`.venv`, `venv`,
  any directory holding a `pyvenv.cfg`), caches (`__pycache__`, `.pytest_cache`, `.mypy_cache`,
  `.ruff_cache`, `.tox`, `.nox`) and paratest-split's own outputs (`paratest-results`,
  `paratest-plan`, `.paratest`, plus the configured output and plan directories).
  `node_modules` is *symlinked*, not copied: jest and friends need it, it is large, and tests
  read it, they do not write it.
- `worktree`: `git worktree add --detach` of HEAD (committed files only), removed with
  `git worktree remove --force`. When the project is a sub-directory of the repository, the
  workspace is that sub-directory inside the worktree.
- `none`: every shard runs in the project directory itself (tests must not collide).
- `script`: paratest-split only chooses the path; the user's `setup_workspace` hook creates
  `{workspace}` (as the seed tool did) and `teardown_workspace` may remove it.

Workspaces live under `<project>/.paratest/workspaces/shard-<i>` and are removed afterwards
unless `--keep-workspaces`. Creating one is done on demand, by the worker that needs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from paratest_split.core.errors import HookError, UsageError

KINDS = ("copy", "worktree", "none", "script")

WORKSPACES_DIR = Path(".paratest") / "workspaces"

# Directory names never copied into a workspace.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".paratest",
        "paratest-results",
        "paratest-plan",
    }
)
# Directory names linked into a workspace instead of copied.
LINK_DIRS = frozenset({"node_modules"})


@dataclass(frozen=True, kw_only=True, slots=True)
class Workspace:
    index: int
    path: Path  # where the shard's commands run (cwd, `{workspace}`)
    kind: str
    remove_root: Path | None = None  # what to delete afterwards (None: nothing of ours)
    worktree: Path | None = None  # the git worktree to remove (worktree kind)


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def copy_tree(source: Path, dest: Path, *, skip: Iterable[str] = ()) -> None:
    """Copy `source` to `dest` without VCS dirs, venvs, caches and outputs (module docstring).

    `skip` adds relative paths (POSIX, from `source`) to leave out, e.g. the output directory.
    Symlinks are copied as symlinks; `node_modules` directories become symlinks to the source.
    Deterministic: entries are walked in sorted order.
    """
    extra = {p.strip("/") for p in skip if p.strip("/") and p.strip("/") != "."}
    dest.mkdir(parents=True, exist_ok=False)
    _copy_dir(source, dest, source, extra)


def _copy_dir(src: Path, dst: Path, top: Path, extra: set[str]) -> None:
    for entry in sorted(os.scandir(src), key=lambda e: e.name):
        path = Path(entry.path)
        rel = path.relative_to(top).as_posix()
        target = dst / entry.name
        if rel in extra:
            continue
        if entry.is_symlink():
            target.symlink_to(path.readlink())
        elif entry.is_dir():
            if entry.name in SKIP_DIRS or _is_venv(path):
                continue
            if entry.name in LINK_DIRS:
                target.symlink_to(path.resolve(), target_is_directory=True)
                continue
            target.mkdir()
            _copy_dir(path, target, top, extra)
            shutil.copystat(path, target)
        elif entry.is_file():
            shutil.copy2(path, target)
        # sockets, fifos, devices: not part of a source tree; skipped


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise UsageError(f"--workspaces worktree needs git: {exc.strerror}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise UsageError(f"git {' '.join(args)} (in {cwd}): {detail}")
    return done.stdout.strip()


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


@dataclass(kw_only=True)
class WorkspaceManager:
    """Creates workspaces on demand and removes them all in `cleanup`. Thread-safe."""

    source: Path
    kind: str
    keep: bool = False
    skip: tuple[str, ...] = ()  # extra relative paths not to copy (output, plan directories)
    log: Callable[[str], None] = lambda _message: None
    _created: dict[int, Workspace] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _git_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"--workspaces: {self.kind!r} is not one of {', '.join(KINDS)}")
        self.source = self.source.resolve()

    @property
    def base(self) -> Path:
        return self.source / WORKSPACES_DIR

    def _prefix(self) -> str:
        return _git(["rev-parse", "--show-prefix"], self.source).rstrip("/")

    def create(self, index: int) -> Workspace:
        """Make worker `index`'s workspace (removing a stale one left by --keep-workspaces)."""
        if self.kind == "none":
            workspace = Workspace(index=index, path=self.source, kind=self.kind)
        else:
            root = self.base / f"shard-{index}"
            if self.kind == "worktree":
                with self._git_lock:
                    self._clear_stale(root)
            else:
                self._clear_stale(root)
            root.parent.mkdir(parents=True, exist_ok=True)
            if self.kind == "copy":
                try:
                    copy_tree(self.source, root, skip=self.skip)
                except OSError as exc:
                    _remove(root)
                    raise HookError(
                        f"workspace {index}: cannot copy {self.source} to {root}: "
                        f"{exc.strerror or exc}"
                    ) from None
                workspace = Workspace(index=index, path=root, kind=self.kind, remove_root=root)
            elif self.kind == "worktree":
                with self._git_lock:  # git locks its own metadata: one worktree at a time
                    _git(["worktree", "add", "--detach", str(root), "HEAD"], self.source)
                prefix = self._prefix()
                path = root / prefix if prefix else root
                if not path.is_dir():
                    raise HookError(f"git worktree {root}: {prefix} is not committed in HEAD")
                workspace = Workspace(
                    index=index, path=path, kind=self.kind, remove_root=root, worktree=root
                )
            else:  # script: the user's setup_workspace creates it
                workspace = Workspace(index=index, path=root, kind=self.kind, remove_root=root)
        with self._lock:
            self._created[index] = workspace
        self.log(f"workspace {index}: {workspace.path} ({self.kind})")
        return workspace

    def _clear_stale(self, root: Path) -> None:
        if not root.exists() and not root.is_symlink():
            return
        if self.kind == "worktree" and (root / ".git").exists():
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(root)],
                cwd=self.source,
                capture_output=True,
                check=False,
            )
        _remove(root)
        if self.kind == "worktree":
            subprocess.run(
                ["git", "worktree", "prune"], cwd=self.source, capture_output=True, check=False
            )

    def remove(self, workspace: Workspace) -> None:
        if self.keep or workspace.remove_root is None:
            return
        if workspace.worktree is not None:
            with self._git_lock:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(workspace.worktree)],
                    cwd=self.source,
                    capture_output=True,
                    check=False,
                )
        _remove(workspace.remove_root)

    def cleanup(self) -> None:
        """Remove every workspace made (unless keep); then the empty parents we made."""
        with self._lock:
            made = [self._created[i] for i in sorted(self._created)]
            self._created.clear()
        for workspace in made:
            self.remove(workspace)
        if self.keep:
            return
        if self.kind == "worktree" and made:
            subprocess.run(
                ["git", "worktree", "prune"], cwd=self.source, capture_output=True, check=False
            )
        for directory in (self.base, self.base.parent):
            if not _rmdir_if_empty(directory):  # history may live in .paratest
                break


def _rmdir_if_empty(directory: Path) -> bool:
    try:
        directory.rmdir()
    except OSError:
        return False
    return True
