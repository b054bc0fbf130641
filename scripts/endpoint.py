"""`make endpoint`: the local AWS endpoint the tests and `make demo` use, started by hand in the foreground.

Starts tests/support/moto_server.py (moto in server mode with the one IAM correction the tests use) on 127.0.0.1,
with AWS managed policies loaded as the tests load them (a deploy attaches AmazonECSTaskExecutionRolePolicy; without
them it fails half-way with NoSuchEntity), prints the `export` lines that point Ansible and boto3 at it, and serves
until Ctrl-C. Its account is moto's default, 123456789012, the shipped inventories' placeholder; every resource is
in memory and gone when it stops.

    make endpoint                                  # port 5000; `make endpoint PORT=5001` for another
    python -m scripts.endpoint --port 5000         # the same, from the venv
"""

import argparse
import shlex
import signal
import sys
import threading

from tests.support.local_aws import LocalAWS

EXPORTED = ("AWS_URL", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION")


def export_lines(aws):
    """The shell lines that point the AWS credential chain at ``aws`` (a started LocalAWS)."""
    env = aws.environ(base={})
    lines = [f"export {name}={shlex.quote(env[name])}" for name in EXPORTED]
    lines.append("unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=5000, help="port on 127.0.0.1 (default 5000)")
    parser.add_argument("--region", default="eu-west-1", help="region of the export lines (default eu-west-1, the inventories')")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *dummy: stop.set())
    try:
        aws = LocalAWS(port=args.port, region=args.region).start()
    except RuntimeError as exc:
        sys.exit(f"make endpoint: {exc} (is port {args.port} in use? `make endpoint PORT=...` picks another)")
    try:
        print(f"# Local AWS endpoint (moto, AWS managed policies loaded, account 123456789012) at {aws.url}.")
        print("# In another shell, in the checkout's root (after `. .venv/bin/activate`), paste:")
        for line in export_lines(aws):
            print(line)
        print("# then e.g.: ansible-playbook -i inventories/staging playbooks/deploy.yml", flush=True)
        print("# Ctrl-C stops the endpoint (everything it holds is forgotten).", flush=True)
        while not stop.wait(1):
            if aws.process.poll() is not None:
                sys.exit(f"make endpoint: the moto server exited with {aws.process.returncode}")
    finally:
        aws.stop()


if __name__ == "__main__":
    main()
