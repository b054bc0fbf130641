# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: aws_config
short_description: The botocore settings every AWS call of the collection passes as aws_config
version_added: 0.1.0
description:
  - Returns the C(aws_config) of every AWS call of the collection, defined once in
    C(plugins/module_utils/_aws_settings.py) - botocore's standard retry mode with 10 attempts, which rides out IAM
    throttling, 5xx answers and dropped connections (botocore's default, legacy with 3 attempts, gives up on three
    dropped connections in a row).
  - Takes no term.
author:
  - cerpac platform engineering (@cerpac)
"""

EXAMPLES = r"""
- name: Read the caller's account with the collection's retry settings
  amazon.aws.aws_caller_info:
    aws_config: "{{ lookup('cerpac.ecs_iam.aws_config') }}"
"""

RETURN = r"""
_raw:
  description: One mapping, the C(aws_config) (C(retries) with C(mode) and C(max_attempts)).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_settings import aws_config


class LookupModule(LookupBase):
    """The collection's aws_config."""

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError("cerpac.ecs_iam.aws_config takes no term (got %s)" % ", ".join(str(term) for term in terms))
        return [aws_config()]
