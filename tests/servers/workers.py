"""Child-process workers for the cross-process tests: ``python workers.py <job> '<json args>'``.

- ``refresh``: builds its own ZaloTokenStore on the given database and asks for an access token at
  ``start_at`` (a shared wall-clock instant, so that the processes race); prints the token.
- ``ratelimit``: warms up, prints ``ready``, reads ``{"start_at", "until"}`` (JSON) from its standard input,
  then takes tokens from a shared bucket from ``start_at`` until ``until``; prints the wall-clock times (JSON).
  The start is given once every process is ready: on a loaded machine starting Python can take seconds.
"""

import json
import sys
import time


def _wait(start_at: float) -> None:
    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)


def refresh(args: dict) -> None:
    import httpx

    from models.store.db import make_engine
    from notifiers.zalo_tokens import ZaloTokenStore

    engine = make_engine(args["db_url"])
    store = ZaloTokenStore(
        engine,
        app_id=args["app_id"],
        secret_key=args["secret_key"],
        oauth_base=args["oauth_base"],
        seed_refresh_token=args["seed"],
        client=httpx.Client(timeout=10),
    )
    _wait(args["start_at"])
    print(store.access_token(), flush=True)


def ratelimit(args: dict) -> None:
    from models.store.db import make_engine
    from notifiers.ratelimit import RateLimiter

    limiter = RateLimiter(make_engine(args["db_url"]))
    limiter.try_acquire(args["name"], args["rate"], args["burst"])  # warm up (imports, connection)
    print("ready", flush=True)
    window = json.loads(sys.stdin.readline())
    _wait(window["start_at"])
    times = []
    while time.time() < window["until"]:
        limiter.acquire(args["name"], args["rate"], args["burst"], max_wait=60)
        times.append(time.time())
    print(json.dumps(times), flush=True)


if __name__ == "__main__":
    {"refresh": refresh, "ratelimit": ratelimit}[sys.argv[1]](json.loads(sys.argv[2]))
