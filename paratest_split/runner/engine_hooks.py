"""The shard engine's hooks: running a setup or teardown hook of the shard (or of one test in
per-test mode) with the shard's values, its output as events, failures recorded once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from paratest_split.core.placeholders import HOOKS, check_hook, substitute_shell
from paratest_split.runner import events as ev
from paratest_split.runner.engine_base import EngineBase, Stopped
from paratest_split.runner.hooks import HookResult, run_hook


class HookStage(EngineBase):
    """Runs the shard's hooks (`setup*`/`teardown*`); checks them all before the first."""

    def _check_hooks(self) -> None:
        """Every hook this shard would run, checked before the first runs: a placeholder
        without a value (`{tests}`, a typo) is a UsageError naming the hook."""
        values = self.values()
        for hook in HOOKS:
            if hook in ("setup", "teardown") and not self.run_.plan_hooks:
                continue
            command = getattr(self.settings, hook)
            if command:
                check_hook(hook, command, values)

    def _hook(
        self,
        name: str,
        command: str,
        *,
        cancellable: bool,
        test: str | None = None,
        values: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> HookResult:
        values = values or self.values()

        def on_line(line: str) -> None:
            if not self.closed:  # a service a setup hook started may print after the shard
                self.emit(ev.Output(shard=self.shard, source=name, line=line))

        shown = substitute_shell(command, values)
        self.emit(ev.HookStarted(shard=self.shard, hook=name, command=shown, test=test))
        result = run_hook(
            name,
            command,
            values=values,
            cwd=self.run_.workspace,
            env=self.run_.env,
            on_line=on_line,
            stop=self.stop if cancellable else None,
            deadline=self.deadline if cancellable else deadline,
            grace=self.settings.grace,
        )
        self.emit(
            ev.HookFinished(
                shard=self.shard,
                hook=name,
                exit_code=result.process.returncode,
                elapsed=result.process.elapsed,
                test=test,
            )
        )
        return result

    def _setup_hook(
        self,
        name: str,
        command: str,
        *,
        test: str | None = None,
        values: Mapping[str, str] | None = None,
    ) -> bool:
        result = self._hook(name, command, cancellable=True, test=test, values=values)
        if result.ok:
            return True
        if result.process.stopped:
            self.state.stopped = Stopped.INTERRUPTED
        elif result.process.timed_out:
            self.state.stopped = Stopped.TIMEOUT
        self._hook_failed(result)
        return False

    def _teardown_hook(
        self,
        name: str,
        command: str,
        *,
        test: str | None = None,
        values: Mapping[str, str] | None = None,
    ) -> None:
        limit = self.settings.teardown_timeout
        deadline = time.monotonic() + limit if limit else None
        result = self._hook(
            name, command, cancellable=False, test=test, values=values, deadline=deadline
        )
        if not result.ok:
            self._hook_failed(result, teardown=True)

    def _hook_failed(self, result: HookResult, *, teardown: bool = False) -> None:
        text = result.describe()
        if result.process.timed_out and teardown:
            text += (
                f" (--teardown-timeout {self.settings.teardown_timeout:g} s; its process group "
                "was killed)"
            )
        elif result.process.timed_out:
            text += f" (--timeout {self.settings.timeout:g} s)"
        text += f": {result.command}"
        self.emit(ev.Message(shard=self.shard, text=text, warning=True))
        if not self.state.hook_failure:
            self.state.hook_failure = text
