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
