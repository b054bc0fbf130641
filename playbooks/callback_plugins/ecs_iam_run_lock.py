# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Releases deploy.yml's run lock (-e ecs_iam_lock=s3://bucket/key) when the run ends without its last play.

A play that fails on every host, or any_errors_fatal, stops ansible-playbook before its later plays: the play that
releases the lock would not run and the next run would be refused until someone deletes the object. This callback,
loaded automatically because it sits beside the playbooks (no ansible.cfg setting needed), watches the
cerpac.ecs_iam.run_lock tasks and, when the run took the lock and did not release it, releases it at the very end
(v2_playbook_on_stats, which ansible-playbook sends after a failed play too). It deletes the object only when it still
holds this run's id, with the environment's credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID..., as AWX and CI give them)
and the region and endpoint the lock was taken with.
"""

DOCUMENTATION = r"""
name: ecs_iam_run_lock
type: aggregate
short_description: Release deploy.yml's run lock after a failed run
description:
  - Releases the S3 run lock that cerpac.ecs_iam.run_lock took, when the run ended before the task that releases it.
"""

from ansible.plugins.callback import CallbackBase

try:
    import boto3
    import botocore
except ImportError:  # the lock module fails first without them
    boto3 = None

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._run_lock import release

ACTIONS = frozenset({"cerpac.ecs_iam.run_lock", "run_lock"})


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ecs_iam_run_lock"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.held = None

    def v2_runner_on_ok(self, result):
        if result._task.action not in ACTIONS:
            return
        outcome = result._result
        if outcome.get("acquired"):
            self.held = dict(bucket=outcome["bucket"], key=outcome["key"], run_id=outcome["run_id"],
                             connection=outcome.get("connection") or {})
        elif self.held and outcome.get("run_id") == self.held["run_id"] and "released" in outcome:
            self.held = None

    def v2_playbook_on_stats(self, stats):
        if not self.held or boto3 is None:
            return
        held, self.held = self.held, None
        url = "s3://%s/%s" % (held["bucket"], held["key"])
        try:
            s3 = boto3.client("s3", region_name=held["connection"].get("region"), endpoint_url=held["connection"].get("endpoint_url"),
                              config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 10}))
            outcome = release(s3, held["bucket"], held["key"], held["run_id"], botocore.exceptions.ClientError)
        except Exception as e:  # pylint: disable=broad-except  # a callback must not hide the run's own result
            self._display.warning("ecs_iam_lock: could not release %s after the run ended early (%s); delete it (aws s3 rm %s) "
                                  "once you know no run is under way" % (url, e, url))
            return
        if outcome["released"]:
            self._display.display("ecs_iam_lock: released %s (run %s) after the run ended before its last play" % (url, held["run_id"]))
        else:
            self._display.warning("ecs_iam_lock: %s no longer holds run %s; left alone" % (url, held["run_id"]))
