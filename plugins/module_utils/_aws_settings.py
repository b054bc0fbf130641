# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS settings every call of the collection shares, each defined once: botocore's retry settings and the region
fallback of the roles and playbooks."""

# botocore's default (legacy mode, 3 attempts) gives up on three dropped connections in a row; standard mode with 10
# attempts rides out IAM throttling, 5xx answers and dropped connections (docs/reliability.md).
RETRY_SETTINGS = {"retries": {"mode": "standard", "max_attempts": 10}}


def aws_config():
    """A fresh copy of the ``aws_config`` every AWS call of the collection passes (callers may change their copy)."""
    return {"retries": dict(RETRY_SETTINGS["retries"])}


def region(declared, environ):
    """The region of a role: the inventory's value when it gives one (``<role>_region``, else ``aws_region``), else
    ``AWS_REGION``, else ``AWS_DEFAULT_REGION`` from ``environ``, else ``""`` (refused by the role's check).

    ``declared`` is the list of the inventory's candidates in order of precedence; an empty or missing one is passed
    over, as Ansible's own AWS modules pass over an empty region."""
    for value in list(declared) + [environ.get("AWS_REGION"), environ.get("AWS_DEFAULT_REGION")]:
        if value is not None and not (isinstance(value, str) and value == ""):
            return value
    return ""
