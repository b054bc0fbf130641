# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS clients of the collection's modules, made one way.

``client(module, service, **config)``
    ``module.client(service)`` (an ``AnsibleAWSModule``: its region, endpoint and credentials) with botocore's
    ``standard`` retries (``RETRIES``, docs/reliability.md) and amazon.aws's jittered backoff for calls made with
    ``aws_retry=True``; ``config`` adds botocore ``Config`` settings (``s3={"addressing_style": "path"}``).
"""

try:
    import botocore.config
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# botocore's retries, as every AWS call of the collection (docs/reliability.md).
RETRIES = {"mode": "standard", "max_attempts": 10}


def client(module, service, **config):
    """A client of ``service`` with the collection's retries (see the module's docstring)."""
    return module.client(service, retry_decorator=AWSRetry.jittered_backoff(), config=botocore.config.Config(retries=dict(RETRIES), **config))
