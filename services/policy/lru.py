"""A small thread-safe LRU map: the engine's result caches and the checkov tuning's memos."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class Lru:
    """A small thread-safe LRU map (size 0 keeps nothing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            value = self._items.get(key, default)
            if value is not default:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
