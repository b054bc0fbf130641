# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one region fallback chain of every role and playbook (roles/*/defaults, playbooks/vars/environment.yml,
playbooks/adopt.yml pass their inventory values to lookup('cerpac.ecs_iam.region', ...))."""

import os
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_settings import aws_config
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_settings import region

BOTH = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.mark.parametrize("candidates, environ, expected", [
    (["eu-central-1"], BOTH, "eu-central-1"),                     # the inventory's value wins over the environment
    (["", "eu-north-1"], BOTH, "eu-north-1"),                     # the most specific non-empty value (ecs_iam_region empty)
    (["ap-south-1", "eu-north-1"], BOTH, "ap-south-1"),           # most specific first
    ([None, "  "], BOTH, "eu-west-1"),                            # undefined or blank values are not a region: AWS_REGION
    ([""], {"AWS_DEFAULT_REGION": "us-east-1"}, "us-east-1"),     # then AWS_DEFAULT_REGION
    ([""], {"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-east-1"}, "us-east-1"),
    ([], {}, ""),                                                 # nothing gives one: empty (the declaration refuses it)
    ([" eu-west-3 "], {}, "eu-west-3"),
    ([42], {"AWS_REGION": "eu-west-1"}, "eu-west-1"),             # not a string: not a region
])
def test_the_region_is_the_first_value_given_then_the_environment(candidates, environ, expected):
    assert region(candidates, environ) == expected


def test_the_retry_settings_are_standard_mode_with_ten_attempts_and_each_caller_gets_its_own_copy():
    first = aws_config()
    assert first == {"retries": {"mode": "standard", "max_attempts": 10}}
    first["retries"]["max_attempts"] = 1
    assert aws_config()["retries"]["max_attempts"] == 10


@pytest.mark.parametrize("expression, environ, expected", [
    ("lookup('cerpac.ecs_iam.region', '', 'eu-north-1')", {"AWS_REGION": "eu-west-1"}, "eu-north-1"),
    ("lookup('cerpac.ecs_iam.region', undefined_region | default(''))", {"AWS_REGION": "eu-west-1"}, "eu-west-1"),
    ("lookup('cerpac.ecs_iam.region', '')", {"AWS_DEFAULT_REGION": "us-east-1"}, "us-east-1"),
])
def test_the_lookup_passes_the_inventory_values_to_the_one_chain(expression, environ, expected):
    env = dict((k, v) for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION"))
    env.update(environ)
    ansible = str(pathlib.Path(sys.executable).parent / "ansible")
    out = subprocess.run([ansible, "localhost", "-m", "ansible.builtin.debug", "-a", "msg={{ %s }}" % expression, "-o"],
                         env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert '"msg": "%s"' % expected in out.stdout, out.stdout
