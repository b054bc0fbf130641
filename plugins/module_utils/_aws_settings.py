# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS settings every call of the collection shares, defined once: botocore's retry settings and the region.

``aws_config()``
    the ``aws_config`` of every AWS call (botocore's standard retry mode, 10 attempts).
``region(candidates, environ)``
    the first non-empty of ``candidates`` (the inventory's values, most specific first), else the controller's
    ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else ``""``: the one fallback chain of every role and playbook, which
    only pass their inventory values in (``lookup('cerpac.ecs_iam.region', ...)``).
"""

import os

# botocore's default (legacy mode, 3 attempts) gives up on three dropped connections in a row; standard mode with 10
# attempts rides out IAM throttling, 5xx answers and dropped connections (docs/reliability.md).
RETRY_SETTINGS = {"retries": {"mode": "standard", "max_attempts": 10}}


def aws_config():
    """A fresh copy of the ``aws_config`` every AWS call of the collection passes (callers may change their copy)."""
    return {"retries": dict(RETRY_SETTINGS["retries"])}


# The environment variables botocore reads for the region, in its order of precedence.
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def region(candidates, environ=None):
    """The region a role or playbook uses: see the module's docstring. A candidate that is not a string (an undefined
    value passed as ``None``) counts as empty; surrounding spaces are not a region."""
    environ = os.environ if environ is None else environ
    for value in list(candidates) + [environ.get(name) for name in REGION_VARIABLES]:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""
