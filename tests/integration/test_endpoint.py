"""`make endpoint`: the tests' local AWS endpoint started by hand, with the export lines a user pastes."""

import os
import pathlib
import shlex
import signal
import socket
import subprocess
import sys
import time

import boto3
import pytest

from tests.support.local_aws import free_port

REPO = pathlib.Path(__file__).resolve().parents[2]


def read_exports(proc, timeout=60):
    """The `export NAME=value` lines the endpoint prints, up to its "then e.g." line."""
    exports = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"scripts/endpoint.py ended before printing its export lines (exit {proc.poll()}): {proc.stderr.read()}")
        if line.startswith("export "):
            name, dummy, value = line[len("export "):].strip().partition("=")
            exports[name] = shlex.split(value)[0]
        if line.startswith("# then"):
            return exports
    pytest.fail("no export lines within the time")
    return None


def test_make_endpoint_serves_what_a_deploy_needs_and_stops_on_ctrl_c():
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "MOTO_"))}
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "scripts.endpoint", "--port", str(port)], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        exports = read_exports(proc)
        assert exports == {
            "AWS_URL": f"http://127.0.0.1:{port}", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
        }
        session = boto3.session.Session(aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
                                        aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"], region_name=exports["AWS_REGION"])
        # The shipped inventories' account, and the AWS managed policy a deploy attaches to every execution role.
        assert session.client("sts", endpoint_url=exports["AWS_URL"]).get_caller_identity()["Account"] == "123456789012"
        policy = session.client("iam", endpoint_url=exports["AWS_URL"]).get_policy(
            PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")["Policy"]
        assert policy["PolicyName"] == "AmazonECSTaskExecutionRolePolicy"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # the moto server went with it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
