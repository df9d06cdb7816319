"""_lazy.once: a value computed on first read, kept, read back without computing it again."""
from __future__ import annotations

from dataclasses import dataclass

from smtplesson._lazy import once


@dataclass(frozen=True)
class _Counted:
    calls: list[int]

    @once
    def value(self) -> int:
        """Counts its calls."""
        self.calls.append(1)
        return len(self.calls)


def test_once_computes_on_first_read_only_even_on_a_frozen_dataclass():
    made = _Counted([])
    assert "value" not in vars(made)
    assert made.value == 1 and made.value == 1 and made.calls == [1]
    assert vars(made)["value"] == 1
    assert _Counted.value.__doc__ == "Counts its calls."  # the class reads the descriptor
    assert _Counted([]).value == 1  # per instance
