# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS clients of the collection's modules, made one way.

``client(module, service, **config)``
    ``module.client(service)`` (an ``AnsibleAWSModule``: its region, endpoint and credentials) with botocore's
    ``standard`` retries (``RETRIES``, docs/reliability.md) and amazon.aws's jittered backoff for calls made with
    ``aws_retry=True``; ``config`` adds botocore ``Config`` settings (``s3={"addressing_style": "path"}``).
``requests_per_second(given, endpoint_url)``
    how fast a module that reads many roles at once may send requests: ``given`` when set (0: unpaced), else
    ``DEFAULT_REQUESTS_PER_SECOND`` against AWS and 0 against an endpoint on this machine (moto, LocalStack: no
    account rate to keep under).
``pace(client, rate)``
    spaces every request of ``client`` (every thread, pages and retries included) to at most ``rate`` a second.
"""

import threading
import time
from urllib.parse import urlparse

try:
    import botocore.config
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# botocore's retries, as every AWS call of the collection (docs/reliability.md).
RETRIES = {"mode": "standard", "max_attempts": 10}


def client(module, service, **config):
    """A client of ``service`` with the collection's retries (see the module's docstring)."""
    return module.client(service, retry_decorator=AWSRetry.jittered_backoff(), config=botocore.config.Config(retries=dict(RETRIES), **config))


# IAM answers "Throttling: Rate exceeded" above a request rate per account that AWS does not publish; 20 a second is
# the rate bench/iam_like.py imposes, at which role_plan's paced reads met no Throttling (docs/performance.md). A
# module that reads many roles at once (8 threads, one process) would otherwise burst to about 100 a second.
DEFAULT_REQUESTS_PER_SECOND = 20.0

# Hosts of an endpoint on this machine: moto or LocalStack, which impose no rate.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def requests_per_second(given, endpoint_url):
    """The pace of a module's requests: see the module's docstring. A negative ``given`` is refused (ValueError)."""
    if given is not None:
        if given < 0:
            raise ValueError("requests_per_second must be 0 (unpaced) or more, not %r" % (given,))
        return float(given)
    host = (urlparse(endpoint_url or "").hostname or "").lower()
    if host in LOCAL_HOSTS or host.startswith("127.") or host.endswith(".localhost"):
        return 0.0
    return DEFAULT_REQUESTS_PER_SECOND


class Pacer:
    """Spaces the calls of :meth:`wait` from every thread to one each ``1/rate`` seconds (a caller waits for its
    turn); the first call goes at once."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self._interval = 1.0 / rate
        self._clock, self._sleep = clock, sleep
        self._next = None
        self._lock = threading.Lock()

    def wait(self, **dummy_kwargs):
        with self._lock:
            now = self._clock()
            turn = now if self._next is None else max(now, self._next)
            self._next = turn + self._interval
        if turn > now:
            self._sleep(turn - now)


def pace(client, rate):
    """Pace every request of ``client`` to ``rate`` a second on botocore's ``before-send`` event (``rate`` 0: none);
    returns the :class:`Pacer`, or None."""
    if not rate:
        return None
    pacer = Pacer(rate)
    client.meta.events.register("before-send", pacer.wait)
    return pacer
