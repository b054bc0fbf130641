"""tests/support/fault_proxy.py counts every request it sees by the recorder's fail-closed parser: the fault tests'
"no write" checks (test_faults.py::writes_seen) cannot pass because a write was unsigned, of another service, or
unreadable. The upstream here is a stand-in HTTP server on 127.0.0.1 that answers 200 to anything."""

import http.client
import http.server
import threading
import urllib.parse

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.local_aws import action_of_request, is_write

SIGNED_IAM = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"}
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class _Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_POST(self):  # noqa: N802  pylint: disable=invalid-name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"<ok/>")

    do_GET = do_POST  # noqa: N815


@pytest.fixture
def proxy():
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        with FaultProxy(f"http://127.0.0.1:{upstream.server_address[1]}") as fault_proxy:
            yield fault_proxy
    finally:
        upstream.shutdown()
        upstream.server_close()


def send(proxy, method, path, headers, body=b""):
    host, port = urllib.parse.urlparse(proxy.url).hostname, urllib.parse.urlparse(proxy.url).port
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        return connection.getresponse().read()
    finally:
        connection.close()


@pytest.mark.parametrize("method, path, headers, body, action", [
    ("POST", "/", {**SIGNED_IAM, **FORM}, b"Action=ListRoles&Version=2010-05-08", "ListRoles"),   # positive control: a read
    ("POST", "/", FORM, b"Action=CreateRole&RoleName=x&Version=2010-05-08", "CreateRole"),       # unsigned: not faultable
    ("GET", "/?Action=DeleteRole&RoleName=x", {}, b"", "DeleteRole"),                              # in the query string
    ("POST", "/", {"X-Amz-Target": "secretsmanager.CreateSecret", "Content-Type": "application/x-amz-json-1.1"}, b"{}",
     "CreateSecret"),                                                                             # another service
    ("POST", "/", FORM, b"Action=ListRoles&Action=DeleteRole", None),                              # two actions
    ("POST", "/", FORM, b"%zz=", None),                                                            # garbled body
    ("POST", "/", {"Content-Type": "text/plain"}, b"hello", None),                                 # no action at all
])
def test_every_request_is_counted_and_what_cannot_be_read_is_a_write(proxy, method, path, headers, body, action):
    assert action_of_request(method, path, headers, body) == action
    assert send(proxy, method, path, headers, body) == b"<ok/>"
    assert proxy.stats()["actions"] == {action: 1}
    assert is_write(action) is (action != "ListRoles")


def test_the_control_interface_is_not_counted(proxy):
    send(proxy, "GET", "/fault-proxy/stats", {})
    assert proxy.stats()["actions"] == {}


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("rate, burst, steps, expected", [
    # (seconds since the last request, ...) -> taken or refused, in order
    (20, 20, [0.0] * 21, [True] * 20 + [False]),                    # a full bucket of 20, then empty
    (8, 8, [0.0] * 8 + [0.125], [True] * 9),                       # one token back after 1/8 s (steps exact in binary)
    (8, 8, [0.0] * 8 + [0.0625], [True] * 8 + [False]),            # not yet after 1/16 s
    (2, 1, [0.0, 0.0, 0.5, 0.0, 10.0, 0.0], [True, False, True, False, True, False]),  # never more than `burst` saved
    (4, 2, [0.0] * 2 + [0.25] * 3, [True] * 5),                     # a steady 4/s passes
    (4, 2, [0.0] * 2 + [0.125] * 4, [True] * 2 + [False, True, False, True]),  # 8/s against 4/s: every other one
])
def test_token_bucket(rate, burst, steps, expected):
    from tests.support.fault_proxy import TokenBucket
    clock = _Clock()
    bucket = TokenBucket(rate, burst, clock=clock)
    taken = []
    for step in steps:
        clock.now += step
        taken.append(bucket.take())
    assert taken == expected


def send_full(proxy, headers, body):
    host, port = urllib.parse.urlparse(proxy.url).hostname, urllib.parse.urlparse(proxy.url).port
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_over_the_rate_an_iam_request_is_answered_throttling_that_botocore_retries(proxy):
    from botocore.parsers import QueryParser
    from botocore.retries.standard import RetryContext, ThrottledRetryableChecker
    from botocore.session import get_session
    proxy.configure(rate=1, burst=2)
    listing = b"Action=ListRoles&Version=2010-05-08"
    answers = [send_full(proxy, {**SIGNED_IAM, **FORM}, listing) for dummy in range(3)]
    assert [status for status, dummy in answers] == [200, 200, 400]
    # requests that are not IAM/STS (here unsigned) are neither limited nor counted
    assert send_full(proxy, FORM, listing) == (200, b"<ok/>")
    assert {key: proxy.stats()[key] for key in ("requests", "throttled")} == {"requests": 3, "throttled": 1}
    assert proxy.stats()["injected"]["rate_exceeded"] == 1
    operation = get_session().get_service_model("iam").operation_model("ListRoles")
    parsed = QueryParser().parse({"status_code": 400, "headers": {}, "body": answers[2][1]}, operation.output_shape)
    assert parsed["Error"]["Code"] == "Throttling"
    assert ThrottledRetryableChecker().is_retryable(RetryContext(attempt_number=1, operation_model=operation, parsed_response=parsed))
    proxy.reset_counts()  # a new run starts with a full bucket
    assert send_full(proxy, {**SIGNED_IAM, **FORM}, listing)[0] == 200


def test_latency_is_added_to_iam_answers_only(proxy):
    import time
    proxy.configure(latency=0.3)
    start = time.monotonic()
    send_full(proxy, FORM, b"Action=ListRoles")  # unsigned: not IAM as far as the proxy can tell
    unsigned = time.monotonic() - start
    start = time.monotonic()
    assert send_full(proxy, {**SIGNED_IAM, **FORM}, b"Action=ListRoles") == (200, b"<ok/>")
    signed = time.monotonic() - start
    assert signed >= 0.3 > unsigned


@pytest.mark.parametrize("settings, message", [
    ({"latency": -1}, "latency=-1"),
    ({"rate": -5}, "rate=-5.0"),
    ({"rate": 20, "burst": 0.5}, "burst=0.5"),
])
def test_bad_weights_are_refused(proxy, settings, message):
    with pytest.raises(ValueError, match=message):
        proxy.configure(**settings)
