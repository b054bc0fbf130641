"""The plan's concurrent reads where calls weigh as on IAM: botocore's standard retry mode against its adaptive mode
and against pacing the reads to the account's rate.

    PYTHONPATH=.:.collections python -m bench.plan_reads [--apps 30] [--samples 5]

``role_plan`` (plugins/modules/role_plan.py) reads every role of the play in one process, ``READERS`` threads at once
(``read_role``: GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy per inline policy). Through
bench/iam_like.py (80 ms a request, 20 requests a second for the account, ``Throttling`` above), those threads burst
past the rate. botocore's ``adaptive`` retry mode adds a client-side token bucket that slows a client down once it
is throttled; it lives in the client, so it paces one process (here the plan's threads), not several processes.
The third mode, ``paced``, is standard mode with the client's calls spaced to at most the account's rate (one request
every 1/20 s across the threads, on botocore's ``before-send`` event): what role_plan does since it paces its reads
(plugins/module_utils/_aws_client.py's ``Pacer``, 20 a second against AWS by default).

N applications' roles (a task role with 3 to 5 inline policies and a task execution role with AWS's managed
policy and one inline policy, as bench/fleet.py's) are created straight on the local endpoint; then ``--samples``
times each mode reads them all through the proxy with role_plan's own ``read_role`` and ``READERS``, on a new client
(each module run makes its own), with the collection's settings (10 attempts, amazon.aws's ``AWSRetry`` around each
call), the modes alternating (standard first in even samples). Printed per mode: the median seconds with their range,
the IAM requests the proxy saw (retries included) and its ``Throttling`` answers.
"""

import argparse
import json
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

from bench._samples import alternating, constant, ratio, show
from bench.iam_like import BURST, LATENCY, RATE, iam_like
from tests.support.local_aws import LocalAWS

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_client import Pacer
from ansible_collections.cerpac.ecs_iam.plugins.modules.role_plan import READERS, read_role

MODES = ("standard", "adaptive", "paced")
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example/*"}]}
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def create_roles(iam, apps):
    """The roles of ``apps`` applications, as bench/fleet.py's inventory declares them; their names."""
    names = []
    for index in range(apps):
        task, execution = f"staging-app{index:03d}-ecs-task-role", f"staging-app{index:03d}-ecs-task-execution-role"
        for name in (task, execution):
            iam.create_role(RoleName=name, Path="/ecs/staging/", AssumeRolePolicyDocument=json.dumps(TRUST),
                            Tags=[{"Key": "Environment", "Value": "staging"}, {"Key": "ManagedBy", "Value": "Ansible"}])
        for number in range(3 + index % 3):
            iam.put_role_policy(RoleName=task, PolicyName=f"grant-{number}", PolicyDocument=json.dumps(POLICY))
        iam.attach_role_policy(RoleName=execution, PolicyArn=EXECUTION_POLICY)
        iam.put_role_policy(RoleName=execution, PolicyName="startup", PolicyDocument=json.dumps(POLICY))
        names += [task, execution]
    return names


def read_all(url, region, mode, names):
    """role_plan's reads of every role on a new client in ``mode``: seconds."""
    client = boto3.client("iam", endpoint_url=url, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(retries={"mode": "standard" if mode == "paced" else mode, "max_attempts": 10}))
    if mode == "paced":
        client.meta.events.register("before-send.iam", Pacer(RATE).wait)
    client = RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff())
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(READERS, len(names))) as pool:
        lives = list(pool.map(lambda name: read_role(client, name, True), names))
    seconds = time.perf_counter() - start
    if any(live is None for live in lives):
        raise SystemExit("a role was not found: the reads did not see what was created")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=30, help="applications (two roles each; default 30)")
    parser.add_argument("--samples", type=int, default=5, help="reads of every role per mode, alternating (default 5)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *dummy: sys.exit(143))
    with LocalAWS() as aws, iam_like(aws.url) as proxy:
        iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
        names = create_roles(iam, args.apps)
        results = {mode: [] for mode in MODES}
        for order in alternating(MODES, args.samples):
            for mode in order:
                proxy.reset_counts()
                seconds = read_all(proxy.url, aws.region, mode, names)
                stats = proxy.stats()
                results[mode].append({"seconds": seconds, "requests": stats["requests"], "throttled": stats["throttled"]})
                print(json.dumps({"mode": mode, **results[mode][-1]}), file=sys.stderr, flush=True)
    print(f"\n{len(names)} roles of {args.apps} applications read as role_plan reads them ({READERS} threads, one client), through "
          f"the IAM-like proxy ({LATENCY * 1000:.0f} ms a request, {RATE:.0f} requests/s, bucket of {BURST:.0f}); "
          f"{args.samples} sample(s) per mode, alternating; seconds: median (min-max)")
    print(f"{'mode':<10} {'seconds':>22} {'ratio':>6} {'requests':>16} {'Throttling':>16}")
    for mode in MODES:
        rows = results[mode]
        print(f"{mode:<10} {show(r['seconds'] for r in rows):>22} {ratio([r['seconds'] for r in rows], [r['seconds'] for r in results['standard']]):>6.2f} "
              f"{constant(r['requests'] for r in rows):>16} {constant(r['throttled'] for r in rows):>16}")


if __name__ == "__main__":
    main()
