"""`make demo`: deploy staging and production against the local AWS endpoint, print each role, run again.

Starts moto on a free 127.0.0.1 port, runs playbooks/deploy.yml for both inventories (every application of each:
its task role and its task execution role), reads every role back with boto3 and prints its application, name and
ARN, runs both again to show that nothing changes, and stops moto, also when something fails. Exits non-zero when a
run fails or the second run changes anything.
"""

import os
import pathlib
import re
import shlex
import subprocess
import sys

import boto3

from tests.support.local_aws import LocalAWS

REPO = pathlib.Path(__file__).resolve().parent.parent

ENVIRONMENTS = ("staging", "production")
RECAP_RE = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def deploy_command(env):
    """The command the demo runs for one environment, exactly as printed: pasteable in the checkout's root after
    `. .venv/bin/activate` (ansible.cfg there is read from the working directory; no ANSIBLE_CONFIG needed)."""
    return ["ansible-playbook", "-i", f"inventories/{env}", "playbooks/deploy.yml"]


def deploy(env, aws_env):
    command = deploy_command(env)
    print(f"\n$ {shlex.join(command)}", flush=True)
    proc = subprocess.run(command, cwd=REPO, env=aws_env, capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    recap = {host: int(changed) for host, changed, dummy, dummy in RECAP_RE.findall(proc.stdout)}
    if proc.returncode != 0 or not recap:
        raise SystemExit(f"deploy of {env} failed (exit {proc.returncode})")
    return recap


def main():
    with LocalAWS(region="eu-west-1") as aws:
        print(f"Local AWS endpoint (moto) at {aws.url}")
        aws_env = aws.environ()
        # As a user's shell after `. .venv/bin/activate` in the checkout's root: the venv's bin first on PATH.
        aws_env.pop("ANSIBLE_CONFIG", None)
        aws_env.update(PATH=f"{pathlib.Path(sys.executable).parent}{os.pathsep}{aws_env['PATH']}")
        print("The commands below run in the checkout's root after `. .venv/bin/activate`, with the endpoint's"
              " variables set (`make endpoint` starts an endpoint and prints them).")
        first = {env: deploy(env, aws_env) for env in ENVIRONMENTS}
        second = {env: deploy(env, aws_env) for env in ENVIRONMENTS}

        iam = boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
        print("\nRoles in the local account (read back with boto3):")
        print(f"  {'environment':<12} {'application':<12} {'changed (1st/2nd run)':<22} role name and ARN")
        for env in ENVIRONMENTS:
            for app in sorted(first[env]):
                for suffix in ("ecs-task-role", "ecs-task-execution-role"):
                    role = iam.get_role(RoleName=f"{env}-{app}-{suffix}")["Role"]
                    changes = f"{first[env][app]} / {second[env][app]}"
                    print(f"  {env:<12} {app:<12} {changes:<22} {role['RoleName']}  {role['Arn']}")
        if any(any(hosts.values()) for hosts in second.values()):
            raise SystemExit("the second run changed something: the playbooks are not idempotent")
        print("\nSecond run: 0 changes in every application of both environments. Stopping the local endpoint.")


if __name__ == "__main__":
    main()
