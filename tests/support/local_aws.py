"""The embedded local AWS endpoint: moto in server mode on 127.0.0.1 (tests/support/moto_server.py), and its request recorder.

Used by ``make demo``, the integration tests and the benchmarks. It is a real HTTP server speaking the IAM
and STS APIs; nothing here stubs AWS inside the process under test.

    with LocalAWS() as aws:             # starts tests/support/moto_server.py on a free port
        env = aws.environ()              # AWS_URL, AWS_ENDPOINT_URL, dummy credentials, region
        with aws.recording() as calls:  # every IAM/STS request made meanwhile
            ...
        calls.actions, calls.writes
"""

import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# Classification of recorded requests fails closed: a request is a read only when its action is known for
# certain and is one of AWS's read actions; anything else (no action, two different actions, a garbled body,
# an action of another verb) counts as a write, so that a `writes == []` check cannot pass because parsing broke.
#
# The read rule: the action starts with one of AWS's read verbs, Get, List or Simulate, followed by the rest of
# the action's name. Checked against AWS's Service Authorization Reference (tests/unit/test_harness_local_aws.py):
# every IAM and STS action of those verbs has the access level Read or List there, except the three STS
# token actions below, which AWS classes as Write and so do we. Generate* is left out on purpose
# although AWS calls iam:Generate* Read: those calls start a report job, a change to the account. Describe is
# left out because IAM and STS have no such action, so nothing could show it is a read here.
READ_VERBS = ("Get", "List", "Simulate")
READ_ACTION_RE = re.compile("^(?:" + "|".join(READ_VERBS) + ")[A-Z][A-Za-z0-9]*$")
WRITES_DESPITE_THEIR_VERB = frozenset({"GetDelegatedAccessToken", "GetFederationToken", "GetWebIdentityToken"})
ACTION_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _header(entry, name):
    """A recorded request header, whatever the case of its name ("" when absent)."""
    headers = entry.get("headers")
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if str(key).lower() == name.lower():
            return str(value)
    return ""


def _action_of(entry):
    """The API action of one moto recorder entry, or None when it cannot be told for certain.

    Looks in the three places AWS's protocols put it: ``Action=`` in a form-encoded body (IAM, STS: the query
    protocol; moto in server mode records bodies base64-encoded), ``Action=`` in the URL's query string, and the
    ``X-Amz-Target`` header of a JSON-protocol request (``secretsmanager.ListSecrets``). None when there is no
    action, when these places disagree, when the body cannot be decoded or parsed, or when the value is not an
    action name: callers count None as a write (`is_write`).
    """
    if not isinstance(entry, dict):
        return None
    found = set()
    body = entry.get("body") or ""
    try:
        if entry.get("body_encoded"):
            body = base64.b64decode(body, validate=True).decode("utf-8")
        if not isinstance(body, str):
            return None
        if body and _header(entry, "Content-Type").split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
            found.update(urllib.parse.parse_qs(body, keep_blank_values=True, strict_parsing=True).get("Action", []))
        query = urllib.parse.urlsplit(str(entry.get("url") or "")).query
        if query:
            found.update(urllib.parse.parse_qs(query, keep_blank_values=True, strict_parsing=True).get("Action", []))
    except (TypeError, ValueError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
    target = _header(entry, "X-Amz-Target")
    if target:
        found.add(target.rpartition(".")[2])
    if not found and not body:
        return _s3_read_action(entry)
    if len(found) != 1:
        return None
    action = found.pop()
    return action if ACTION_RE.match(action) else None


def action_of_request(method, url, headers, body):
    """The API action of one HTTP request as a proxy sees it (``body`` in bytes), told as strictly as the recorder's
    entries are (`_action_of`): None when it cannot be told for certain, which `is_write` counts as a write."""
    entry = {"method": method, "url": url, "headers": dict(headers or {}), "body": base64.b64encode(body or b"").decode("ascii"), "body_encoded": True}
    return _action_of(entry)


# S3's REST API names no action in the request: a GET signed for the s3 service without a sub-resource is a read
# (ListObjectsV2 or ListObjects on a bucket, GetObject on a key, ListBuckets); every other S3 request (PUT, POST, DELETE,
# HEAD, a sub-resource such as ?acl) stays unknown, so a write.
S3_SCOPE_RE = re.compile(r"\bCredential=[^/,\s]+/[0-9]{8}/[a-z0-9-]+/s3/aws4_request\b")
S3_LISTING_KEYS = frozenset({"list-type", "prefix", "delimiter", "encoding-type", "continuation-token", "start-after", "max-keys", "marker",
                             "fetch-owner"})


def _s3_read_action(entry):
    """The read an S3 GET request makes (``ListObjectsV2``, ``ListObjects``, ``GetObject``, ``ListBuckets``), or None."""
    if str(entry.get("method") or "").upper() != "GET" or not S3_SCOPE_RE.search(_header(entry, "Authorization")):
        return None
    url = urllib.parse.urlsplit(str(entry.get("url") or ""))
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    bucket, _sep, key = url.path.lstrip("/").partition("/")
    if key:
        return "GetObject" if not query else None
    if set(query) - S3_LISTING_KEYS:
        return None
    if not bucket:
        return None if query else "ListBuckets"
    return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"


def is_write(action):
    """True unless ``action`` is certainly a read (see READ_VERBS): None and anything unknown count as writes."""
    return not (isinstance(action, str) and READ_ACTION_RE.match(action) is not None and action not in WRITES_DESPITE_THEIR_VERB)


def _describe(entry):
    """A short account of a recorder entry whose action could not be told, for assertion messages."""
    if not isinstance(entry, dict):
        return f"unreadable recorder entry {str(entry)[:80]!r}"
    url = urllib.parse.urlsplit(str(entry.get("url") or ""))
    body = entry.get("body")
    if entry.get("body_encoded") and isinstance(body, str):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8", "replace")
        except ValueError:
            pass  # shown as recorded
    content_type = _header(entry, "Content-Type").split(";", 1)[0] or "-"
    return f"{entry.get('method')} {url.path or '?'}{'?' + url.query if url.query else ''} ({content_type}) body={str(body)[:80]!r}"


def _path(entry):
    return urllib.parse.urlsplit(str(entry.get("url") or "")).path if isinstance(entry, dict) else ""


def _in_bucket(entry, bucket):
    path = _path(entry)
    return path == f"/{bucket}" or path.startswith(f"/{bucket}/")


class Calls:
    """The IAM/STS actions recorded during one `LocalAWS.recording()` block.

    ``actions`` holds one action name per request, None for a request whose action could not be told (its
    description is in ``unparsed``); ``writes`` is every action that is not certainly a read, None included;
    ``entries`` the recorder's entries themselves.
    """

    def __init__(self):
        self.actions = []
        self.unparsed = []
        self.entries = []

    def add(self, entry):
        """Record one moto recorder entry (a decoded JSON line)."""
        action = _action_of(entry)
        self.entries.append(entry)
        self.actions.append(action)
        if action is None:
            self.unparsed.append(_describe(entry))

    def add_line(self, line):
        """Record one line of moto's recording; a line that is not JSON counts as an unparsed request."""
        try:
            entry = json.loads(line)
        except ValueError:
            entry = line
        self.add(entry)

    @property
    def writes(self):
        return [action for action in self.actions if is_write(action)]

    def bucket_requests(self, bucket):
        """(method, path) of each S3 request addressed to ``bucket`` (path style: /<bucket> or /<bucket>/<key>)."""
        return [(entry.get("method"), _path(entry)) for entry in self.entries if _in_bucket(entry, bucket)]

    def without_bucket(self, bucket):
        """These calls without the S3 requests addressed to ``bucket``, so that a test of the run lock counts the IAM/STS
        calls alone; every other request stays and is classified as before (an S3 request elsewhere is still a write)."""
        kept = Calls()
        for entry in self.entries:
            if not _in_bucket(entry, bucket):
                kept.add(entry)
        return kept

    def count(self, action):
        return self.actions.count(action)

    def parameters(self, action):
        """The form parameters ({name: first value}) of each recorded request of ``action``, in order: which role a
        ``PutRolePolicy`` wrote to, under which policy name."""
        found = []
        for entry, seen in zip(self.entries, self.actions):
            if seen != action:
                continue
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8")
            query = urllib.parse.urlsplit(str(entry.get("url") or "")).query
            fields = urllib.parse.parse_qs(query, keep_blank_values=True)
            fields.update(urllib.parse.parse_qs(body, keep_blank_values=True))
            found.append({name: values[0] for name, values in fields.items()})
        return found

    def __len__(self):
        return len(self.actions)

    def __repr__(self):
        if self.unparsed:
            return f"Calls({self.actions!r}, unparsed={self.unparsed!r})"
        return f"Calls({self.actions!r})"


class _ExitedEarly(RuntimeError):
    """The moto server process ended before it answered."""


class LocalAWS:
    """A moto server on 127.0.0.1 in a child process (its own process group, killed on exit)."""

    def __init__(self, port=None, account_id=None, region="eu-west-1", log_path=None):
        self._port_given = bool(port)
        self.port = port or free_port()
        self.account_id = account_id
        self.region = region
        self.log_path = log_path
        self.process = None
        self._tmp = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30, attempts=3):
        """Start the server; on a port of our own choosing, try another one when the server exits at once (a port taken
        meanwhile by another process: test workers in parallel each start their own server)."""
        for attempt in range(1, attempts + 1):
            try:
                return self._start(timeout)
            except _ExitedEarly:
                if self._port_given or attempt == attempts:
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start(self, timeout):
        self._tmp = tempfile.TemporaryDirectory(prefix="local-aws-")  # pylint: disable=consider-using-with
        # The recorder writes its file into the working directory unless told otherwise.
        env = dict(os.environ, MOTO_ENABLE_RECORDING="True", MOTO_RECORDER_FILEPATH=os.path.join(self._tmp.name, "recording"))
        # Like a real account, have AWS managed policies (AmazonECSTaskExecutionRolePolicy, ...) to attach.
        env.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        if self.account_id:
            env["MOTO_ACCOUNT_ID"] = str(self.account_id)
        log = open(self.log_path or os.devnull, "ab")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, os.path.join(HERE, "moto_server.py"), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self._tmp.name,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                returncode = self.process.returncode
                self.stop()
                raise _ExitedEarly(f"moto server exited with {returncode} (port {self.port})")
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto server did not answer on {self.url} within {timeout}s")

    def stop(self):
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # Only a guard against a server that hangs: on a machine busy with parallel test workers a reset (which reloads
    # AWS's managed policies) can take well over ten seconds.
    API_TIMEOUT = 120

    def _post(self, path, timeout=None):
        request = urllib.request.Request(f"{self.url}{path}", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=timeout or self.API_TIMEOUT) as response:
            return response.read()

    def reset(self):
        """Forget every resource (a fresh, empty account). moto loads AWS's managed policies again, which on a loaded
        machine took longer than 10 s (bench/faults.py stopped on it): allow a minute."""
        self._post("/moto-api/reset")

    @contextlib.contextmanager
    def recording(self):
        calls = Calls()
        self._post("/moto-api/recorder/reset-recording")
        self._post("/moto-api/recorder/start-recording")
        try:
            yield calls
        finally:
            self._post("/moto-api/recorder/stop-recording")
            with urllib.request.urlopen(f"{self.url}/moto-api/recorder/download-recording", timeout=self.API_TIMEOUT) as response:
                for line in response.read().decode("utf-8", "replace").splitlines():
                    if line.strip():
                        calls.add_line(line)

    def environ(self, base=None):
        """The standard AWS environment that points amazon.aws and botocore at this server."""
        env = dict(os.environ if base is None else base)
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.pop(key, None)
        env.update(
            AWS_URL=self.url,
            AWS_ENDPOINT_URL=self.url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_REGION=self.region,
            AWS_DEFAULT_REGION=self.region,
        )
        return env
