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
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# IAM and STS calls that only read. Anything else counts as a write.
READ_PREFIXES = ("Get", "List", "Describe", "Simulate", "Generate")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _action_of(entry):
    """The API action of one recorded request (form-encoded IAM/STS body, possibly base64)."""
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    if isinstance(body, dict):
        return body.get("Action")
    fields = urllib.parse.parse_qs(str(body))
    if "Action" in fields:
        return fields["Action"][0]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(entry.get("url", "")).query)
    return query.get("Action", [None])[0]


def is_write(action):
    return action is not None and not action.startswith(READ_PREFIXES)


class Calls:
    """The IAM/STS actions recorded during one `LocalAWS.recording()` block."""

    def __init__(self):
        self.actions = []

    @property
    def writes(self):
        return [action for action in self.actions if is_write(action)]

    def count(self, action):
        return self.actions.count(action)

    def __len__(self):
        return len(self.actions)

    def __repr__(self):
        return f"Calls({self.actions!r})"


class LocalAWS:
    """A moto server on 127.0.0.1 in a child process (its own process group, killed on exit)."""

    def __init__(self, port=None, account_id=None, region="eu-west-1", log_path=None):
        self.port = port or free_port()
        self.account_id = account_id
        self.region = region
        self.log_path = log_path
        self.process = None
        self._tmp = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
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
                raise RuntimeError(f"moto server exited with {self.process.returncode} (port {self.port})")
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

    def _post(self, path):
        request = urllib.request.Request(f"{self.url}{path}", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def reset(self):
        """Forget every resource (a fresh, empty account)."""
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
            with urllib.request.urlopen(f"{self.url}/moto-api/recorder/download-recording", timeout=10) as response:
                for line in response.read().decode().splitlines():
                    if line.strip():
                        calls.actions.append(_action_of(json.loads(line)))

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
