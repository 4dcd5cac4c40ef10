"""The web side's counters shared by every web process: rate-limit windows and failure throttles.

One row per key (a keyed hash, never a raw token or address). A rate-limit key uses ``started`` and
``hits`` (a fixed window); a throttle key uses ``failures``, ``failed_at``, ``pending`` and ``last``.
Times are seconds since the epoch (wall clock, the same on every process and machine — a monotonic
clock is not). ``models.services.web_limits`` changes them in single statements or one transaction.
"""

from sqlmodel import Field, SQLModel


class WebCounter(SQLModel, table=True):
    """A rate-limit window or a failure throttle of one key (``models.services.web_limits``)."""

    key: str = Field(primary_key=True, max_length=96)
    started: float = 0.0  # start of the current window (rate limits)
    hits: int = 0  # requests counted in that window, at most the limit + 1
    failures: int = 0  # failures remembered (throttles)
    failed_at: float = 0.0  # the latest failure: all are forgotten once it is older than the window
    pending: int = 0  # attempts booked and not finished
    last: float = 0.0  # start of the latest attempt or time of the latest failure
    updated: float = Field(default=0.0, index=True)  # for the sweep of idle keys
