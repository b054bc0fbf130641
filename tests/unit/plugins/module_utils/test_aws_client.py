"""The pace of a module's requests (plugins/module_utils/_aws_client.py): how fast against which endpoint, and the
spacing of every thread's requests."""

import threading
import time

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_client import Pacer
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_client import requests_per_second


@pytest.mark.parametrize("given, endpoint, expected", [
    # Not set: paced against AWS, whatever the partition or a VPC endpoint's address ...
    (None, "https://iam.amazonaws.com", 20.0),
    (None, "https://iam.us-gov.amazonaws.com", 20.0),
    (None, "https://iam.cn-north-1.amazonaws.com.cn", 20.0),
    (None, "https://vpce-0abc-iam.vpce.amazonaws.com", 20.0),
    (None, "http://10.0.0.5:443", 20.0),
    (None, "https://localhost.example.com", 20.0),  # a name that only starts like this machine's
    (None, None, 20.0),
    # ... unpaced against an endpoint on this machine (moto, LocalStack)
    (None, "http://127.0.0.1:5000", 0.0),
    (None, "http://127.10.0.3:5000", 0.0),
    (None, "http://localhost:4566", 0.0),
    (None, "http://LOCALHOST:4566", 0.0),
    (None, "http://[::1]:5000", 0.0),
    (None, "http://s3.localhost:4566", 0.0),
    # Set: as given, against either
    (0, "https://iam.amazonaws.com", 0.0),
    (5, "https://iam.amazonaws.com", 5.0),
    (2.5, "http://127.0.0.1:5000", 2.5),
])
def test_requests_per_second(given, endpoint, expected):
    assert requests_per_second(given, endpoint) == expected


def test_a_negative_rate_is_refused():
    with pytest.raises(ValueError, match=r"requests_per_second must be 0 \(unpaced\) or more, not -1"):
        requests_per_second(-1, "https://iam.amazonaws.com")


class Clock:
    """A clock that moves only when the pacer sleeps (or a test moves it)."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_requests_are_spaced_to_the_rate():
    clock = Clock()
    pacer = Pacer(20, clock=clock, sleep=clock.sleep)
    for dummy in range(4):
        pacer.wait()
    # the first at once, each next one 1/20 s after the one before
    assert clock.sleeps == [0.05, 0.05, 0.05]
    assert clock.now == pytest.approx(100.15)


def test_a_request_after_a_pause_goes_at_once():
    clock = Clock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.now += 0.5  # longer than the interval: no wait, and no credit saved for a burst either
    pacer.wait()
    pacer.wait()
    assert clock.sleeps == [0.1]


def test_concurrent_threads_take_turns():
    # Real time, 8 threads as role_plan's readers: 16 requests at 40 a second cannot all go within 15 intervals.
    turns, lock = [], threading.Lock()
    pacer = Pacer(40)

    def request():
        pacer.wait(request=None)
        with lock:
            turns.append(threading.get_ident())

    threads = [threading.Thread(target=lambda: [request() for dummy in range(2)]) for dummy in range(8)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(turns) == 16
    assert time.monotonic() - start >= 15 / 40.0 - 0.01
