"""Jobs that only tests enqueue; importable by a real worker started from the repository root."""
from redis import Redis


def always_fails(redis_url: str, counter_key: str) -> None:
    """Counts its attempts in Redis, then fails with a reason a person can read."""
    Redis.from_url(redis_url).incr(counter_key)
    raise RuntimeError("The mail server refused the message (a test of retries)")
