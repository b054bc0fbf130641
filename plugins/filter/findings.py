# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters over validate_grants findings; documentation in the YAML files beside this one."""

from ansible.errors import AnsibleFilterError

from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import format_finding


def finding_line(finding):
    if not isinstance(finding, dict) or "code" not in finding:
        raise AnsibleFilterError(f"finding_line: expected a finding of cerpac.ecs_iam.validate_grants, got {finding!r}")
    line = format_finding(finding)
    if finding.get("accepted"):
        line = f"accepted ({finding.get('reason')}): {line}"
    return line


class FilterModule:
    def filters(self):
        return {"finding_line": finding_line}
