# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: region
short_description: The region of the collection's roles and playbooks, with the one fallback chain
version_added: 0.1.0
description:
  - Returns the first non-empty term (the inventory's values, most specific first), else the controller's
    C(AWS_REGION), else C(AWS_DEFAULT_REGION), else an empty string. Decided in
    C(plugins/module_utils/_aws_settings.py), the one place of this chain.
options:
  _terms:
    description: Candidate regions, most specific first; empty strings are skipped.
    type: list
    elements: str
author:
  - cerpac platform engineering (@cerpac)
"""

EXAMPLES = r"""
- name: The region of the task role, from the inventory's aws_region or the environment
  ansible.builtin.debug:
    msg: "{{ lookup('cerpac.ecs_iam.region', aws_region | default('')) }}"
"""

RETURN = r"""
_raw:
  description: One string, the region (empty when nothing gives one).
  type: list
  elements: str
"""

from ansible.plugins.lookup import LookupBase

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._aws_settings import region


class LookupModule(LookupBase):
    """The collection's region fallback."""

    def run(self, terms, variables=None, **kwargs):
        return [region(terms)]
