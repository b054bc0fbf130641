# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS settings every call of the collection shares, defined once: botocore's retry settings."""

# botocore's default (legacy mode, 3 attempts) gives up on three dropped connections in a row; standard mode with 10
# attempts rides out IAM throttling, 5xx answers and dropped connections (docs/reliability.md).
RETRY_SETTINGS = {"retries": {"mode": "standard", "max_attempts": 10}}


def aws_config():
    """A fresh copy of the ``aws_config`` every AWS call of the collection passes (callers may change their copy)."""
    return {"retries": dict(RETRY_SETTINGS["retries"])}
