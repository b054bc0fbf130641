"""An endpoint that weighs calls as IAM does: tests/support/fault_proxy.py in front of the local endpoint (moto) with
80 ms added to every IAM/STS answer and a token bucket of 20 requests a second per account (the caller's access key),
a request over it answered ``Throttling`` (HTTP 400, IAM's "Rate exceeded" error document, which botocore retries).

moto alone answers in about 5 ms and never throttles, so on it Ansible's cost per task dominates; on AWS the number of
calls and their bursts do (docs/performance.md). AWS publishes neither IAM's exact rate nor its bucket's size; the
figures here are of the order IAM shows (tens of requests a second per account, tens to hundreds of ms a call).

    with LocalAWS() as aws, iam_like(aws.url) as proxy:
        env = aws.environ(); env.update(AWS_URL=proxy.url, AWS_ENDPOINT_URL=proxy.url)
        ...; proxy.stats()["requests"], proxy.stats()["throttled"]; proxy.reset_counts()

Alone, in front of a running endpoint (``make endpoint``):
``PYTHONPATH=. python -m bench.iam_like --upstream http://127.0.0.1:5000 [--port 5001]``, then point AWS_URL and
AWS_ENDPOINT_URL at the printed URL; ``GET <url>/fault-proxy/stats`` gives the counts.
"""

import argparse

from tests.support.fault_proxy import FaultProxy

LATENCY = 0.080   # seconds added to every IAM/STS answer
RATE = 20.0       # requests a second per account
BURST = 20.0      # the bucket's size: one second's worth


def iam_like(upstream, latency=LATENCY, rate=RATE, burst=BURST, port=0):
    """A FaultProxy (not yet started: use it as a context manager) that weighs calls as IAM does."""
    return FaultProxy(upstream, latency=latency, rate=rate, burst=burst, port=port)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--upstream", required=True, help="the local endpoint, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=LATENCY)
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--burst", type=float, default=BURST)
    args = parser.parse_args(argv)
    proxy = iam_like(args.upstream, args.latency, args.rate, args.burst, args.port)
    proxy.serve_until_interrupted()


if __name__ == "__main__":
    main()
