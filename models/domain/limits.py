"""The shapes of the web side's limits, shared by the in-memory and the database counters: a request
allowance per window (:class:`Limit`) and the progressive delays after failures (:class:`Backoff`)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """``count`` requests allowed per ``seconds``."""

    count: int
    seconds: int


@dataclass(frozen=True)
class Backoff:
    """Failures answered at once (``free``), then a wait before each further attempt that starts at
    ``first`` seconds and doubles per failure up to ``cap``; failures older than ``window`` s are forgotten."""

    free: int
    first: float = 1.0
    cap: float = 30.0
    window: int = 900

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.first * 2 ** min(failures - self.free, 30))

    @property
    def kept(self) -> int:
        """Failures worth remembering per key: the delay reaches its cap long before this many."""
        return self.free + 64
