"""What a process keeps for a few seconds of what nearly every request reads (the site, the
study settings, a lesson's facts, a township's requirement): one mechanism for all of them.

A `ProcessMemo` keeps each value for its `seconds`; the process that changes the thing forgets
its copy at once (a signal calls `forget`), the others within those seconds. Values are
shared by the threads of a process: treat them as read-only. `process_memos_forget` empties
them all (tests, and anything that clears the shared cache).
"""

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")
_memos: list["ProcessMemo"] = []


class ProcessMemo(Generic[Value]):
    def __init__(self, seconds: float, *, keep_none: bool = True):
        self.seconds = seconds
        self.keep_none = keep_none  # False: a None answer is asked again next time
        self._kept: dict[Hashable, tuple[float, Value]] = {}
        _memos.append(self)

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = compute()
        if value is not None or self.keep_none:
            self._kept[key] = (now + self.seconds, value)
        return value

    def peek(self, key: Hashable) -> Value | None:
        """The value kept for `key`, or None when nothing is kept (or no longer)."""
        kept = self._kept.get(key)
        return kept[1] if kept is not None and kept[0] > time.monotonic() else None

    def put(self, key: Hashable, value: Value) -> None:
        self._kept[key] = (time.monotonic() + self.seconds, value)

    def forget(self, key: Hashable | None = None) -> None:
        if key is None:
            self._kept.clear()
        else:
            self._kept.pop(key, None)


def process_memos_forget() -> None:
    for memo in _memos:
        memo.forget()
