"""A loopback HTTP proxy in front of the local AWS endpoint (moto) that injects the faults AWS really shows.

For a configurable share of IAM and STS requests, chosen by a seeded random generator (so one seed gives the
same faults for the same sequence of requests), it answers instead of moto:

    throttle      HTTP 400  <Code>Throttling</Code>           (IAM/STS "Rate exceeded")
    error500      HTTP 500  <Code>InternalFailure</Code>
    error503      HTTP 503  <Code>ServiceUnavailable</Code>
    drop_before   closes the connection without forwarding and without an answer
    drop_after    forwards to moto (the write happens), then closes without answering

``/moto-api/`` control calls are always forwarded untouched. Everything stays on 127.0.0.1.

It can also weigh calls as IAM does (bench/iam_like.py): ``latency`` seconds added to every IAM/STS answer (a round
trip to AWS; moto alone answers in a few ms), and ``rate`` requests a second per caller's access key (an account), a
token bucket holding at most ``burst`` tokens: a request that finds the bucket empty is answered ``Throttling``
(HTTP 400, IAM's "Rate exceeded" error document, which botocore retries) without reaching moto, and counted as
``rate_exceeded``. ``rate=0`` (the default) sets no limit.

    with LocalAWS() as aws, FaultProxy(aws.url, share=0.1, seed=7) as proxy:
        env = aws.environ(); env.update(AWS_URL=proxy.url, AWS_ENDPOINT_URL=proxy.url)
        ...                                    # run ansible-playbook with env
        proxy.stats()                          # requests seen, injected faults by kind, answered actions
        proxy.configure(share=0.3, kinds=["throttle"], seed=1)   # at run time
        proxy.configure(latency=0.08, rate=20, burst=20)         # IAM-like weight and throttling

Two hooks let a test drive a run deterministically (both run in the request's thread):

    proxy.before_forward = fn(request)             # may block (e.g. a barrier between two processes)
    proxy.after_forward = fn(request, status)      # after moto answered, before the client hears it;
                                                   # return True to drop the answer
    proxy.refuse_all = True                        # every later IAM/STS request is dropped unanswered

Run alone: ``python -m tests.support.fault_proxy --upstream http://127.0.0.1:5000 --share 0.1 [--latency 0.08]
[--rate 20 --burst 20] [--port N]``; ``GET /fault-proxy/stats``, ``POST /fault-proxy/reset`` and
``POST /fault-proxy/configure`` (JSON: share, kinds, seed, latency, rate, burst) then serve as its control interface.
"""

import argparse
import collections
import dataclasses
import http.client
import http.server
import json
import random
import re
import socket
import threading
import time
import urllib.parse
import uuid

from tests.support.local_aws import action_of_request

KINDS = ("throttle", "error500", "error503", "drop_before", "drop_after")
ERRORS = {
    "throttle": (400, "Sender", "Throttling", "Rate exceeded"),
    "error500": (500, "Receiver", "InternalFailure", "We encountered an internal error. Please try again."),
    "error503": (503, "Receiver", "ServiceUnavailable", "Service is unavailable. Please try again."),
}
FAULTED_SERVICES = ("iam", "sts")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade"}
CREDENTIAL_RE = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/([^/]+)/")


def error_body(code_type, code, message):
    """The XML error document of the IAM and STS query APIs."""
    return (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<Error><Type>{code_type}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` kept (a full bucket to start with); a request takes one or is refused."""

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.tokens = self.burst
        self.stamp = clock()

    def take(self):
        """True and one token less when the bucket holds one; False (nothing taken) when it is empty."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclasses.dataclass
class Request:
    """What the proxy knows about one request: the API action, the service and the caller's access key."""

    method: str
    path: str
    action: str = None
    service: str = None
    access_key: str = None
    params: dict = dataclasses.field(default_factory=dict)

    @property
    def faultable(self):
        return self.service in FAULTED_SERVICES and not self.path.startswith("/moto-api/")


def classify(method, path, headers, body):
    match = CREDENTIAL_RE.search(headers.get("Authorization", ""))
    fields = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    if headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        fields.update(urllib.parse.parse_qs(body.decode("utf-8", "replace")))
    params = {key: values[0] for key, values in fields.items()}
    return Request(method, path, params.get("Action"), match and match.group(2), match and match.group(1), params)


class FaultProxy:
    """The proxy in a daemon thread of this process; counters and settings are shared by all its threads."""

    def __init__(self, upstream, share=0.0, kinds=KINDS, seed=0, port=0, latency=0.0, rate=0.0, burst=None):
        parsed = urllib.parse.urlparse(upstream)
        self.upstream = (parsed.hostname, parsed.port)
        self._lock = threading.Lock()
        self.before_forward = None
        self.after_forward = None
        self.refuse_all = False
        self.latency = 0.0
        self.rate, self.burst, self._buckets = 0.0, 0.0, {}
        self.configure(share=share, kinds=kinds, seed=seed, latency=latency, rate=rate, burst=burst)
        self.reset_counts()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.proxy = self
        self._thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def configure(self, share=None, kinds=None, seed=None, latency=None, rate=None, burst=None):
        """Change the share of faulted requests (0 to 1), the kinds drawn from, or reseed the generator; the seconds
        added to every IAM/STS answer; the requests a second per access key (0: no limit) and the bucket's size
        (``burst``, default one second's worth of ``rate``)."""
        with self._lock:
            if latency is not None:
                if float(latency) < 0:
                    raise ValueError(f"latency={latency!r}: seconds, 0 or more")
                self.latency = float(latency)
            if rate is not None or burst is not None:
                rate = self.rate if rate is None else float(rate)
                burst = (rate if burst is None else float(burst)) if rate else 0.0
                if rate < 0 or (rate and burst < 1):
                    raise ValueError(f"rate={rate!r}, burst={burst!r}: requests a second (0: no limit) and a bucket of at least 1")
                self.rate, self.burst, self._buckets = rate, burst, {}
            if share is not None:
                if not 0.0 <= float(share) <= 1.0:
                    raise ValueError(f"share={share!r}: a fraction from 0 to 1")
                self.share = float(share)
            if kinds is not None:
                unknown = sorted(set(kinds) - set(KINDS))
                if unknown or not kinds:
                    raise ValueError(f"kinds={kinds!r}: choose from {', '.join(KINDS)}")
                self.kinds = tuple(kinds)
            if seed is not None:
                self._rng = random.Random(seed)

    def reset_counts(self):
        with self._lock:
            self._requests = 0
            self._injected = collections.Counter()
            self._seen = collections.Counter()
            self._answered = collections.Counter()
            self._actions = collections.Counter()
            self._buckets = {}  # a new run starts with full buckets, as after an idle second on IAM

    def stats(self):
        """Counters since the last reset: IAM/STS requests seen, faults injected by kind, actions seen and
        actions moto answered (a drop_after counts as answered: the call took effect)."""
        with self._lock:
            return {
                "requests": self._requests,
                "injected": {kind: self._injected[kind] for kind in (*KINDS, "refused", "rate_exceeded")},
                # every Throttling answer the proxy gave: drawn faults and requests over the rate
                "throttled": self._injected["throttle"] + self._injected["rate_exceeded"],
                "faults": sum(self._injected.values()),
                "seen": dict(self._seen),
                "answered": dict(self._answered),
                # every request through the proxy (any service, signed or not), by action as the recorder's fail-closed
                # parser tells it (local_aws.action_of_request): None for a request whose action cannot be told
                "actions": dict(self._actions),
            }

    def _count(self, action):
        with self._lock:
            self._actions[action] += 1

    def _decide(self, request):
        with self._lock:
            self._requests += 1
            self._seen[request.action] += 1
            if self.refuse_all:
                kind = "refused"
            elif self.share and self._rng.random() < self.share:
                kind = self._rng.choice(self.kinds)
            elif self.rate and not self._buckets.setdefault(request.access_key, TokenBucket(self.rate, self.burst)).take():
                kind = "rate_exceeded"
            else:
                return None
            self._injected[kind] += 1
            return kind

    def _answered_by_upstream(self, request, status):
        with self._lock:
            if status < 400:
                self._answered[request.action] += 1

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def serve_until_interrupted(self):
        """Print the proxy's URL and serve in the foreground until Ctrl-C (the command-line entry points)."""
        print(self.url, flush=True)
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self):
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore expects; a drop then hits a pooled connection

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET  # noqa: N815

    def _handle(self):
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/fault-proxy/"):
            self._control(proxy, body)
            return
        proxy._count(action_of_request(self.command, self.path, dict(self.headers.items()), body))  # pylint: disable=protected-access
        request = classify(self.command, self.path, self.headers, body)
        fault = proxy._decide(request) if request.faultable else None  # pylint: disable=protected-access
        if request.faultable and proxy.latency:
            time.sleep(proxy.latency)
        if fault in ("drop_before", "refused"):
            self._drop()
            return
        if fault in ERRORS or fault == "rate_exceeded":
            status, code_type, code, message = ERRORS["throttle" if fault == "rate_exceeded" else fault]
            self._reply(status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", str(uuid.uuid4()))], error_body(code_type, code, message))
            return
        if request.faultable and proxy.before_forward:
            proxy.before_forward(request)
        status, headers, data = self._forward(body)
        if request.faultable:
            proxy._answered_by_upstream(request, status)  # pylint: disable=protected-access
            if fault == "drop_after" or (proxy.after_forward and proxy.after_forward(request, status)):
                self._drop()
                return
        self._reply(status, headers, data)

    def _forward(self, body):
        connection = http.client.HTTPConnection(*self.server.proxy.upstream, timeout=120)
        try:
            headers = {key: value for key, value in self.headers.items() if key.lower() not in HOP_BY_HOP}
            connection.request(self.command, self.path, body=body if body or self.command in ("POST", "PUT", "PATCH") else None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            headers = [(key, value) for key, value in response.getheaders() if key.lower() not in HOP_BY_HOP and key.lower() != "content-length"]
            return response.status, headers, data
        finally:
            connection.close()

    def _reply(self, status, headers, data):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _drop(self):
        """Close the connection with no answer at all (the client sees the peer disconnect)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _control(self, proxy, body):
        if self.path.startswith("/fault-proxy/configure") and self.command == "POST":
            try:
                proxy.configure(**json.loads(body or b"{}"))
            except (TypeError, ValueError) as error:
                self._reply(400, [("Content-Type", "application/json")], json.dumps({"error": str(error)}).encode())
                return
        elif self.path.startswith("/fault-proxy/reset") and self.command == "POST":
            proxy.reset_counts()
        status = {"share": proxy.share, "kinds": list(proxy.kinds), **proxy.stats()}
        self._reply(200, [("Content-Type", "application/json")], json.dumps(status).encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--upstream", required=True, help="the endpoint to forward to, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--share", type=float, default=0.0)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every IAM/STS answer")
    parser.add_argument("--rate", type=float, default=0.0, help="IAM/STS requests a second per access key, Throttling above (0: no limit)")
    parser.add_argument("--burst", type=float, help="the token bucket's size (default: --rate)")
    args = parser.parse_args()
    proxy = FaultProxy(args.upstream, share=args.share, kinds=args.kinds.split(","), seed=args.seed, port=args.port,
                       latency=args.latency, rate=args.rate, burst=args.burst)
    proxy.serve_until_interrupted()


if __name__ == "__main__":
    main()
