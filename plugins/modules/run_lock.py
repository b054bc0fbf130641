#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: run_lock
short_description: Take or release the run lock of an environment, an S3 object created with a conditional write
version_added: 0.2.0
description:
  - Takes the lock (O(state=acquired)) by creating the S3 object O(url) with C(PutObject) and the header
    C(If-None-Match) set to C(*), as Terraform 1.10's S3 backend does with C(use_lockfile); S3 creates the object only when none has that key, so
    of two runs exactly one gets it. The object holds the run's identity (run id, user, host, process id, playbook,
    inventory and start time in UTC), which the action plugin of the same name fills in on the controller.
  - When the object exists the module fails, naming the holder and when it started, and writes nothing.
  - Fails closed on an endpoint that ignores C(If-None-Match) (the same conditional write, sent again once the object
    exists, must be refused; the object read back must hold this run's id), and refuses the run.
  - Releases the lock (O(state=released)) by deleting the object, only when it holds this run's id (O(run_id)).
  - In check mode nothing is written; the module reads the object and warns when another run holds it.
  - Used by V(playbooks/deploy.yml) with C(-e ecs_iam_lock=s3://bucket/key); its callback plugin releases the lock
    when a run fails before its last play.
author:
  - cerpac platform engineering (@cerpac)
options:
  url:
    description: The lock object, C(s3://<bucket>/<key>). The bucket must exist; the key is created and deleted.
    type: str
    required: true
  state:
    description: V(acquired) takes the lock, V(released) releases it.
    type: str
    choices: [acquired, released]
    default: acquired
  identity:
    description:
      - The run's identity (C(run_id), C(user), C(host), C(pid), C(playbook), C(inventory), C(started)); the action
        plugin sets it, a playbook does not.
    type: dict
  run_id:
    description: With O(state=released), the id of the run whose lock is released (RV(run_id) of the acquiring task).
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    description: Reads the lock object and writes nothing.
    support: full
  diff_mode:
    description: No diff.
    support: none
  idempotent:
    description: Taking a lock held by another run fails; releasing a lock already released changes nothing.
    support: partial
notes:
  - Permissions needed on the object C(arn:aws:s3:::<bucket>/<key>) are C(s3:PutObject), C(s3:GetObject) and
    C(s3:DeleteObject).
"""

EXAMPLES = r"""
- name: Take the environment's run lock
  cerpac.ecs_iam.run_lock:
    url: s3://my-state-bucket/ecs-iam/staging.lock
  register: lock

- name: Release it
  cerpac.ecs_iam.run_lock:
    url: s3://my-state-bucket/ecs-iam/staging.lock
    state: released
    run_id: "{{ lock.run_id }}"
"""

RETURN = r"""
run_id:
  description: The id of this run (the acquiring run's id with O(state=released)).
  returned: always
  type: str
  sample: 4f8f2b1e-3c8e-4a5e-9d6e-0d1f2a3b4c5d
holder:
  description: The identity the lock object holds (this run's after taking it; the other run's when refused).
  returned: when the object was read
  type: dict
  sample: {"run_id": "4f8f...", "user": "ci", "host": "runner-1", "pid": 4242, "playbook": "playbooks/deploy.yml",
           "inventory": "inventories/staging", "started": "2026-12-05T11:02:03Z"}
acquired:
  description: Whether this run holds the lock now.
  returned: with O(state=acquired)
  type: bool
released:
  description: Whether the lock object was deleted.
  returned: with O(state=released)
  type: bool
bucket:
  description: The bucket of O(url).
  returned: always
  type: str
key:
  description: The key of O(url).
  returned: always
  type: str
connection:
  description: The region and endpoint the lock was taken with (no credentials), for the callback plugin's release.
  returned: always
  type: dict
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_client import client
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import LockError
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import acquire
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import held_message
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import parse_url
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import read_holder
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import release


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            state=dict(type="str", default="acquired", choices=["acquired", "released"]),
            identity=dict(type="dict"),
            run_id=dict(type="str"),
        ),
        required_if=[("state", "acquired", ("identity",)), ("state", "released", ("run_id",))],
        supports_check_mode=True,
    )
    params = module.params
    url = params["url"]
    try:
        bucket, key = parse_url(url)
    except LockError as e:
        module.fail_json(msg=str(e))
    region, endpoint, dummy = get_aws_connection_info(module)
    result = {"bucket": bucket, "key": key, "changed": False, "connection": {"region": region, "endpoint_url": endpoint}}
    # Path-style requests: a bucket name with dots, or a local endpoint, cannot be a host name.
    s3 = client(module, "s3", s3={"addressing_style": "path"})
    error = botocore.exceptions.ClientError
    try:
        if params["state"] == "released":
            result["run_id"] = params["run_id"]
            if module.check_mode:
                module.exit_json(released=False, **result)
            outcome = release(s3, bucket, key, params["run_id"], error)
            if not outcome["released"]:
                module.warn("ecs_iam_lock: %s no longer holds this run (%s), so it was left alone"
                            % (url, outcome["holder"].get("run_id", "no object")))
            result["changed"] = outcome["released"]
            module.exit_json(released=outcome["released"], holder=outcome["holder"], **result)
        identity = params["identity"]
        result["run_id"] = identity.get("run_id")
        if module.check_mode:
            holder = read_holder(s3, bucket, key, error)
            if holder:
                module.warn("check mode takes no lock; " + held_message(url, holder))
            module.exit_json(acquired=False, holder=holder, **result)
        outcome = acquire(s3, bucket, key, identity, error)
        if not outcome["acquired"]:
            module.fail_json(msg=held_message(url, outcome["holder"]), acquired=False, holder=outcome["holder"], **result)
        result["changed"] = True
        module.exit_json(acquired=True, holder=identity, **result)
    except LockError as e:
        module.fail_json(msg=str(e), acquired=False, **result)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="ecs_iam_lock: cannot use the lock object %s" % url)


if __name__ == "__main__":
    main()
