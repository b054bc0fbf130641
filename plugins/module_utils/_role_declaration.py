# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What each role of the collection declares, from its inputs, with every input checked: no AWS call here.

One function per role takes the role's variables by their full names (``ecs_task_role_env``...) and returns
``(declaration, problems)``:

``declare_task_role(inputs, context)``, ``declare_execution_role(inputs, context)``
    ``declaration`` is what the role publishes as ``<role>_outputs`` and what ``role_plan`` compares with AWS::

        {"role": "ecs_task_role", "host", "role_name", "role_arn", "state", "environment", "account_id",
         "region", "partition", "path", "trust_policy", "description", "max_session_duration",
         "permissions_boundary" ('' for none), "tags" (with Environment, ManagedBy, Module and Application: the
         host), "purge_tags", "adopt", "managed_policy_arns",
         "inline_policies": [{"name", "document"}], "grants": [provenance of rendered statements],
         "accepted_findings": [...], "open_findings": [...]}

    The execution role adds ``"startup": {"secrets", "parameters", "kms_keys", "policy"}``.
``declare_passrole(inputs, context)``
    ``{"role": "ecs_deployer_passrole", "policy_name", "state", "deployer": {"type", "name"} or None,
    "document", "resources", "account_id", "partition", "region"}``.

``problems`` is a list of ``{"field", "value", "message"}``; each message names the field and its value, says what
is wrong and how to fix it. A declaration is returned only when there is no problem.

``context`` carries what is not an input of the role: ``host`` (the inventory host, for messages),
``environment`` (the environment the playbook deploys, which the role's must equal), ``caller_account_id`` (the
account read from STS when the inventory opted out of declaring one), ``variables`` (names of the defined variables
with the role's prefix) and ``known_variables`` (the role's inputs, from its argument specs), ``render`` (the
render entry point: no AWS call will follow, so the account must be declared) and, for the PassRole policy,
``required_role_arns`` (role ARNs the policy must cover).

Policy documents are built here, never in templates: the trust policy (:func:`trust_policy`), the execution
role's start-up secrets policy (:func:`startup_secrets_policy`) and the deployer's PassRole policy
(:func:`passrole_policy`). Partitions and ARNs come from ``_arns``.
"""

import copy
import difflib
import json
import re

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CHECK_EXCEPTIONS
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import KMS_KEY
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_intents import render_grants
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _managed_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import CODES
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import blocking
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import format_finding

POLICY_VERSION = "2012-10-17"
ECS_TASKS = "ecs-tasks.amazonaws.com"
TRUST_SID = "EcsTasksAssumeRole"
PASSROLE_SID = "PassEcsTaskRolesToEcsTasksOnly"
EXECUTION_POLICY = "service-role/AmazonECSTaskExecutionRolePolicy"
STARTUP_POLICY = "ecs-startup-secrets"
GRANTS_PREFIX = "grants-"
KNOWN_ENVIRONMENTS = ("dev", "development", "test", "qa", "staging", "stage", "preprod", "production", "prod")
FAIL_ON = ("error", "warning", "never")
STATES = ("present", "absent")

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
IAM_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
POLICY_NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
PATH_RE = re.compile(r"^/([\x21-\x7e]{0,510}/)?$")
DESCRIPTION_RE = re.compile(r"^[\t\n\r\x20-\x7e\xa1-\xff]{0,1000}\Z")
POLICY_ARN_RE = _arns.POLICY_ARN_RE
ROLE_ARN_RE = _arns.ROLE_ARN_RE
TAG_KEY_RE = re.compile(r"^[\w\s.:/=+@-]{1,128}$", re.UNICODE)
TAG_VALUE_RE = re.compile(r"^[\w\s.:/=+@-]{0,256}$", re.UNICODE)
SECRET_RE = re.compile(r"^(?=.{1,512}$)[A-Za-z0-9_+=.@-]+(/[A-Za-z0-9_+=.@-]+)*(/\*)?$")
PARAMETER_RE = re.compile(r"^/?(?=.{1,1011}$)[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*(/\*)?$")
KMS_KEY_ID_RE = re.compile(r"^(%s)$" % KMS_KEY["key_id_pattern"])
KMS_KEY_ARN_RE = _arns.kms_key_arn_re(KMS_KEY["key_id_pattern"])
ECR_REPOSITORY_ARN_RE = _arns.ECR_REPOSITORY_ARN_RE
MAX_TAGS = 50
#: The strings ``type: bool`` accepts (ansible's convert_bool), as ``-e name=value`` gives them.
BOOLEAN_WORDS = dict([(word, True) for word in ("y", "yes", "on", "1", "true", "t")] + [(word, False) for word in ("n", "no", "off", "0", "false", "f")])
PLACEHOLDER_ACCOUNT = "000000000000"

ARN_EXAMPLE = "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess or arn:aws:iam::123456789012:policy/name"


def _show(value):
    """A value as the message shows it: JSON, so that strings are quoted and None reads null."""
    try:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


class Problems(object):
    """Problems with a role's inputs, each naming the field, the value, what is wrong and the fix."""

    def __init__(self):
        self.items = []

    def add(self, field, value, problem, fix):
        self.items.append({"field": field, "value": value, "message": "%s=%s: %s. %s" % (field, _show(value), problem, fix)})

    def finding(self, field, finding):
        """A blocking finding of the least-privilege checks, in the words of validate_grants (with its fix)."""
        self.items.append({"field": field, "value": finding.get("policy"), "finding": finding,
                           "message": "%s (policy %s): %s" % (field, finding.get("policy"), format_finding(finding))})

    def __bool__(self):
        return bool(self.items)

    __nonzero__ = __bool__


def format_problems(role, problems, host=None):
    """The failure message of a role's checks: host, role, then one line per problem."""
    where = "%s%s" % ("host %s, " % host if host else "", role)
    lines = ["%s: %d problem(s) in the inputs, nothing was changed in AWS:" % (where, len(problems))]
    lines.extend("- " + problem["message"] for problem in problems)
    return "\n".join(lines)


# --- Policy documents ------------------------------------------------------------------------------------------

def trust_policy(partition, account_id, source_regions, source_conditions=True):
    """The trust policy of an ECS task or task execution role: ``ecs-tasks.amazonaws.com`` only and, with
    ``source_conditions``, only on behalf of ECS in ``account_id`` and ``source_regions`` (AWS's confused-deputy
    conditions ``aws:SourceAccount`` and ``aws:SourceArn``)."""
    statement = {"Sid": TRUST_SID, "Effect": "Allow", "Principal": {"Service": ECS_TASKS}, "Action": "sts:AssumeRole"}
    if source_conditions:
        arns = [_arns.arn(partition, "ecs", region, account_id, "*") for region in source_regions]
        statement["Condition"] = {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": arns[0] if len(arns) == 1 else arns},
        }
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def _secret_arn(partition, region, account_id, secret):
    spec = CATALOGUE["secretsmanager"]["resources"]
    if secret.endswith("/*"):
        resource = spec["name_prefix"]["arn_name"].format(name=secret[:-2])
    else:
        resource = spec["arn_name"].format(name=secret)
    return _arns.arn(partition, "secretsmanager", region, account_id, "secret:" + resource)


def startup_secrets_policy(partition, region, account_id, secrets, parameters, kms_keys):
    """What ECS reads at start-up to inject secrets into the containers, and nothing else: GetSecretValue on each
    secret (name, matched with the random ``-??????`` suffix of its ARN, or name prefix ``a/b/*``), GetParameters on
    each parameter (name or path ``/a/b/*``), and Decrypt on customer managed keys only when Secrets Manager or
    Parameter Store asks KMS on the role's behalf (``kms:ViaService``). ``None`` when there is nothing to inject."""
    statements = []
    via = []
    suffix = _arns.dns_suffix(partition)
    if secrets:
        statements.append({"Sid": "ReadStartupSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                           "Resource": [_secret_arn(partition, region, account_id, secret) for secret in secrets]})
        via.append(KMS_KEY["via_template"].format(via="secretsmanager", region=region, dns_suffix=suffix))
    if parameters:
        statements.append({"Sid": "ReadStartupParameters", "Effect": "Allow", "Action": "ssm:GetParameters",
                           "Resource": [_arns.arn(partition, "ssm", region, account_id, "parameter/" + parameter.lstrip("/"))
                                        for parameter in parameters]})
        via.append(KMS_KEY["via_template"].format(via="ssm", region=region, dns_suffix=suffix))
    if not statements:
        return None
    if kms_keys:
        keys = [key if key.startswith("arn:") else _arns.arn(partition, "kms", region, account_id, "key/" + key) for key in kms_keys]
        statements.append({"Sid": "DecryptStartupSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": keys,
                           "Condition": {"StringEquals": {"kms:ViaService": via}}})
    return {"Version": POLICY_VERSION, "Statement": statements}


def passrole_resources(partition, account_id, role_paths, role_arns):
    """The roles a PassRole policy names: every role under each path, then each ARN, sorted and unique."""
    resources = [_arns.arn(partition, "iam", "", account_id, "role%s*" % path) for path in role_paths]
    resources += sorted(set(role_arns) - set(resources))
    return sorted(set(resources), key=resources.index)


def passrole_policy(resources):
    """``iam:PassRole`` on exactly ``resources``, and only to ECS tasks (``iam:PassedToService``)."""
    return {"Version": POLICY_VERSION, "Statement": [{
        "Sid": PASSROLE_SID, "Effect": "Allow", "Action": "iam:PassRole", "Resource": list(resources),
        "Condition": {"StringEquals": {"iam:PassedToService": ECS_TASKS}},
    }]}


def passrole_covers(resources, role_arn):
    """Whether a PassRole resource list (exact ARNs, or path patterns ending in ``/*``) covers ``role_arn``."""
    for resource in resources:
        if resource == role_arn or (resource.endswith("*") and role_arn.startswith(resource[:-1])):
            return True
    return False


# --- Input checks shared by the task role and the task execution role ------------------------------------------

def _str(value):
    return value if isinstance(value, str) else None


def _bool(problems, field, value):
    """A boolean as the roles' argument specs (``type: bool``) take it: also the strings ``-e flag=true`` gives."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[value.strip().lower()]
    problems.add(field, value, "is not a boolean", "Write true or false.")
    return False


def type_words(value):
    """What a value is, in a user's words (never an internal type name such as _AnsibleTaggedInt)."""
    for kind, words in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"), (dict, "a mapping"),
                        ((list, tuple), "a list")):
        if isinstance(value, kind):
            return words
    return "null" if value is None else "not a YAML value"


def _list_of(problems, field, value, kind, fix):
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        problems.add(field, value, "must be a list of %s" % kind, fix)
        return []
    return list(value)


def unknown_variables(prefix, variables, known):
    """Variables with the role's prefix that are not inputs of the role (a typo, silently ignored otherwise)."""
    return sorted(set(name for name in variables or () if name.startswith(prefix)) - set(known))


def did_you_mean(name, names):
    """``"Did you mean X? "`` for the nearest of ``names``, or ``""`` when none is near."""
    near = difflib.get_close_matches(str(name), [str(item) for item in names], n=1, cutoff=0.75)
    return "Did you mean %s? " % near[0] if near else ""


def _check_unknown(problems, role, prefix, context):
    known = context.get("known_variables")
    if known is None:
        return
    owned = [(prefix, list(known) + [prefix + "outputs"], "an input of cerpac.ecs_iam.%s" % role)]
    for other, names in sorted((context.get("other_prefixes") or {}).items()):
        owner = other[:-1] if other != "ecs_iam_" else None
        owned.append((other, list(names), "an input of cerpac.ecs_iam.%s" % owner if owner else "a variable of cerpac.ecs_iam's playbooks"))
    for own_prefix, names, what in owned:
        for name in unknown_variables(own_prefix, context.get("variables"), names):
            near = did_you_mean(name, names)
            problems.add(name, "(set)", "is not %s (the collection owns the prefix %s), so it would be silently ignored" % (what, own_prefix),
                         near + "Correct the name." if near else "Correct the name; the names under %s are %s." % (own_prefix, ", ".join(sorted(names))))


def _check_environment(problems, prefix, env, context):
    expected = context.get("environment")
    if expected and env != expected:
        problems.add(prefix + "env", env, "differs from the environment this inventory deploys (%s)" % _show(expected),
                     "One inventory deploys one environment, so that a %s inventory can never change another environment's "
                     "roles: leave %senv unset, or deploy the other environment with its own inventory." % (expected, prefix))


def _check_names(problems, prefix, inputs, label):
    env = inputs.get(prefix + "env")
    for key, example in (("env", "staging"), ("project_id", "cerpac")):
        value = inputs.get(prefix + key)
        if not (isinstance(value, str) and NAME_RE.match(value)):
            problems.add(prefix + key, value, "must be lowercase letters, digits and single hyphens, starting and ending with a letter "
                         "or digit", "Write for example %s: it becomes part of IAM names and ARNs." % example)
    name = inputs.get(prefix + "name")
    env_ok = isinstance(env, str) and NAME_RE.match(env)
    if not (isinstance(name, str) and IAM_NAME_RE.match(name) and (not env_ok or name.startswith(env + "-"))):
        length = len(name) if isinstance(name, str) else 0
        problems.add(prefix + "name", name, "(%d characters) an IAM role name has 1 to 64 characters among letters, digits and "
                     "+=,.@_- and, so that one environment's inventory can never change another's role, must start with "
                     "\"%s-\"" % (length, env if env_ok else "<env>"),
                     "Shorten it, or leave %sname unset for the default <env>-<project_id>-%s." % (prefix, label))


def _check_account(problems, prefix, inputs, context):
    """The account the role belongs to: declared, read from STS (opt-out), or a placeholder for checks only."""
    value = inputs.get(prefix + "account_id")
    allow_any = _bool(problems, prefix + "allow_any_account", inputs.get(prefix + "allow_any_account", False))
    if isinstance(value, int) and not isinstance(value, bool):
        problems.add(prefix + "account_id", value, "is a number, and an account id is exactly 12 digits",
                     "Quote it in YAML (\"012345678901\") so that leading zeros survive.")
        return None
    if value is not None and not isinstance(value, str):
        problems.add(prefix + "account_id", value, "must be a string of 12 digits (it is %s)" % type_words(value),
                     "Give the 12-digit AWS account id, quoted, for example \"123456789012\".")
        return None
    text = _str(value)
    if text and _arns.ACCOUNT_RE.match(text):
        return text
    if text:
        problems.add(prefix + "account_id", value, "is not exactly 12 digits", "Give the 12-digit AWS account id, quoted, for example "
                     "\"123456789012\".")
        return None
    if context.get("render"):
        problems.add(prefix + "account_id", value, "is empty, and rendering fills ARNs without asking AWS",
                     "Declare the 12-digit account id (quoted), for example \"123456789012\".")
        return None
    if not allow_any:
        problems.add(prefix + "account_id", value, "is empty: the run would change whatever account the credentials reach",
                     "Declare the environment's 12-digit account id (quoted), so that credentials of any other account are refused "
                     "before any write; or, to run against the caller's account on purpose, set %sallow_any_account: true." % prefix)
        return None
    caller = _str(context.get("caller_account_id"))
    return caller if caller and _arns.ACCOUNT_RE.match(caller) else PLACEHOLDER_ACCOUNT


def _check_region(problems, field, region):
    partition = _arns.partition_for_region(region) if isinstance(region, str) else None
    if partition is None:
        problems.add(field, region, "is not the name of an AWS region (botocore %s knows the partitions %s)"
                     % (_arns.botocore_version(), ", ".join(_arns.partitions())),
                     "Give a region name such as eu-west-1 (set it, aws_region, or AWS_REGION).")
    return partition


def _check_source_regions(problems, field, regions, partition):
    regions = _list_of(problems, field, regions, "region names", "Write for example [eu-west-1, eu-central-1].")
    if not regions:
        problems.add(field, regions, "is empty", "List at least one region (by default the role's own region).")
    for index, region in enumerate(regions):
        found = _arns.partition_for_region(region) if isinstance(region, str) else None
        if found is None:
            problems.add("%s[%d]" % (field, index), region, "is not an AWS region name", "Give a region such as eu-west-1.")
        elif partition and found != partition:
            problems.add("%s[%d]" % (field, index), region, "is in partition %s, the role in %s" % (found, partition),
                         "ECS can only pass the role within its partition: list regions of %s." % partition)
    if len(set(map(str, regions))) != len(regions):
        problems.add(field, regions, "lists a region twice", "List each region once.")
    return [region for region in regions if isinstance(region, str)]


def _check_role_settings(problems, prefix, inputs):
    path = inputs.get(prefix + "path")
    if not (isinstance(path, str) and PATH_RE.match(path)):
        problems.add(prefix + "path", path, "must start and end with / (printable ASCII, at most 512 characters)",
                     "Write / or a path such as /ecs/staging/ (IAM cannot change a role's path later).")
    duration = inputs.get(prefix + "max_session_duration")
    if isinstance(duration, bool) or not isinstance(duration, int) or not 3600 <= duration <= 43200:
        problems.add(prefix + "max_session_duration", duration, "must be 3600 to 43200 seconds", "Give a whole number of seconds, "
                     "for example 3600.")
    boundary = inputs.get(prefix + "permissions_boundary")
    if not (boundary == "" or (isinstance(boundary, str) and POLICY_ARN_RE.match(boundary))):
        problems.add(prefix + "permissions_boundary", boundary, "must be a managed policy ARN, or empty for none",
                     "Write a managed policy ARN such as %s." % ARN_EXAMPLE)
    arns = _list_of(problems, prefix + "managed_policy_arns", inputs.get(prefix + "managed_policy_arns"), "managed policy ARNs",
                    "Write a list such as [arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess].")
    bad = [arn for arn in arns if not (isinstance(arn, str) and POLICY_ARN_RE.match(arn))]
    if bad:
        problems.add(prefix + "managed_policy_arns", bad, "must be managed policy ARNs",
                     "Write managed policy ARNs such as %s." % ARN_EXAMPLE)
    description = inputs.get(prefix + "description")
    if not (isinstance(description, str) and DESCRIPTION_RE.match(description)):
        problems.add(prefix + "description", description if not isinstance(description, str) else description[:80],
                     "(%d characters) must be text of at most 1000 characters (tab, line breaks, printable ASCII and Latin-1 "
                     "letters)" % (len(description) if isinstance(description, str) else 0), "Shorten it or remove the other characters.")
    return arns


def _check_other_environments(problems, prefix, value):
    field = prefix + "other_environments"
    if not isinstance(value, (list, tuple)):
        problems.add(field, value, "must be a list of environment names, each lowercase letters, digits and single hyphens",
                     "Write for example [production, prod]: a string would silently leave CROSS_ENVIRONMENT unchecked.")
        return []
    bad = [name for name in value if not (isinstance(name, str) and NAME_RE.match(name))]
    if bad:
        problems.add(field, value, "must be a list of environment names, each lowercase letters, digits and single hyphens",
                     "Write one name per item, for example [production, prod]: a name such as \"production, prod\" or \"\" matches "
                     "nothing, so CROSS_ENVIRONMENT would silently check nothing.")
    return [name for name in value if isinstance(name, str)]


def _check_tags(problems, prefix, tags, mandatory):
    field = prefix + "tags"
    if not isinstance(tags, dict):
        problems.add(field, tags, "must be a mapping of tag keys to values", "Write for example {Team: payments}.")
        return dict(mandatory)
    wrong = dict((key, value) for key, value in tags.items() if key in mandatory and value != mandatory[key])
    if wrong:
        problems.add(field, wrong, "the tags %s are set by the role (%s) and cannot be given other values"
                     % (", ".join(mandatory), _show(mandatory)), "Remove them from %s." % field)
    reserved = sorted(key for key in tags if isinstance(key, str) and key.lower().startswith("aws:"))
    if reserved:
        problems.add(field, reserved, "tag keys may not start with aws:", "Rename them.")
    keys = [key for key in tags if not (isinstance(key, str) and TAG_KEY_RE.match(key))]
    if keys:
        problems.add(field, keys, "tag keys have 1 to 128 characters among letters, digits, spaces and _.:/=+-@", "Rename them.")
    not_strings = dict((key, value) for key, value in tags.items() if not isinstance(value, str))
    for key, value in sorted(not_strings.items(), key=lambda item: str(item[0])):
        problems.add("%s.%s" % (field, key), value, "is %s, not a string: YAML read the value unquoted, and IAM would store it as %s"
                     % (type_words(value), _show(str(value))),
                     "Quote it, for example %s: \"%s\" (write the text you want kept, such as \"1.50\" or \"\")."
                     % (key, "" if value is None else str(value).lower() if isinstance(value, bool) else value))
    values = dict((key, value) for key, value in tags.items() if isinstance(value, str) and not TAG_VALUE_RE.match(value))
    if values:
        problems.add(field, values, "tag values have 0 to 256 characters among letters, digits, spaces and _.:/=+-@",
                     "Shorten them or remove the other characters.")
    merged = dict((str(key), value if isinstance(value, str) else str(value)) for key, value in tags.items())
    merged.update(mandatory)
    if len(merged) > MAX_TAGS:
        problems.add(field, "%d tags" % len(merged), "a role carries at most 50 tags, the role's own %d included" % len(mandatory), "Remove some.")
    return merged


def _check_policy_names(problems, prefix, policies, reserved):
    field = prefix + "policies"
    policies = _list_of(problems, field, policies, "{name, document} mappings", "Write [{name: uploads, document: {...}}].")
    names = []
    for index, policy in enumerate(policies):
        if not isinstance(policy, dict) or "name" not in policy or "document" not in policy:
            problems.add("%s[%d]" % (field, index), policy, "must be a mapping with name and document", "Write {name: uploads, document: {...}}.")
            continue
        name = policy["name"]
        if not (isinstance(name, str) and POLICY_NAME_RE.match(name)):
            problems.add("%s[%d].name" % (field, index), name, "a policy name has 1 to 128 characters among letters, digits and +=,.@_-",
                         "Rename it.")
        elif reserved(name):
            problems.add("%s[%d].name" % (field, index), name, "is reserved: %s" % reserved(name), "Rename it.")
        names.append(name)
    duplicates = sorted(set(name for name in names if names.count(name) > 1 and isinstance(name, str)))
    if duplicates:
        problems.add(field, duplicates, "each inline policy needs a unique name", "Rename or merge the policies that share a name.")
    return [policy for policy in policies if isinstance(policy, dict) and "name" in policy and "document" in policy]


def _check_exceptions(problems, field, exceptions):
    exceptions = _list_of(problems, field, exceptions, "exceptions", "Write [{code: RESOURCE_STAR, action: ..., reason: ...}].")
    for index, rule in enumerate(exceptions):
        if not isinstance(rule, dict) or rule.get("code") not in CODES or not (isinstance(rule.get("reason"), str) and rule["reason"].strip()):
            problems.add("%s[%d]" % (field, index), rule, "an exception needs a code (one of %s) and a reason" % ", ".join(CODES),
                         "Write {code: RESOURCE_STAR, action: xray:PutTraceSegments, resource: \"*\", reason: why it is accepted}.")
    return [rule for rule in exceptions if isinstance(rule, dict)]


def _validate(problems, prefix, policies, env, other_environments, exceptions, fail_on, sources=None, scope=None):
    """Check every inline policy of the role together; each blocking finding becomes a problem named after the input
    the policy came from (``sources``: policy name -> input; ``<prefix>policies`` otherwise). ``scope`` is the role's
    ``{account_id, name_prefix}`` (CROSS_ACCOUNT, and the fix of ACCOUNT_WIDE), as the environment is for CROSS_ENVIRONMENT."""
    if fail_on not in FAIL_ON:
        problems.add(prefix + "validate_fail_on", fail_on, "must be one of error, warning, never", "Choose one.")
        fail_on = "error"
    findings = check_policies(policies, environment=env, other_environments=other_environments, exceptions=exceptions, **(scope or {}))
    sources = sources or {}
    for finding in blocking(findings, fail_on):
        problems.finding(sources.get(finding.get("policy"), prefix + "policies"), finding)
    return findings


def _accepted(findings):
    """The findings accepted on purpose, whole (the roles print each with the finding_line filter on every run)."""
    return [dict(finding) for finding in findings if finding.get("accepted")]


def _common(problems, role, prefix, inputs, context, label):
    """Checks and settled values both ECS roles share."""
    _check_unknown(problems, role, prefix, context)
    _check_names(problems, prefix, inputs, label)
    env = inputs.get(prefix + "env")
    _check_environment(problems, prefix, env, context)
    state = inputs.get(prefix + "state", "present")
    if state not in STATES:
        problems.add(prefix + "state", state, "must be present or absent", "Choose one.")
    account = _check_account(problems, prefix, inputs, context)
    region = inputs.get(prefix + "region")
    partition = _check_region(problems, prefix + "region", region)
    sources = inputs.get(prefix + "source_regions")
    source_regions = _check_source_regions(problems, prefix + "source_regions", [region] if sources is None else sources, partition)
    conditions = _bool(problems, prefix + "source_conditions", inputs.get(prefix + "source_conditions", True))
    purge_tags = _bool(problems, prefix + "purge_tags", inputs.get(prefix + "purge_tags", True))
    managed = _check_role_settings(problems, prefix, inputs)
    others = _check_other_environments(problems, prefix, inputs.get(prefix + "other_environments", []))
    mandatory = {"Environment": env, "ManagedBy": "Ansible", "Module": role}
    if context.get("host"):
        # The owner of the role: role_plan refuses to write to a role whose Application tag names another host.
        mandatory["Application"] = str(context["host"])
    adopt = _bool(problems, prefix + "adopt", inputs.get(prefix + "adopt", False))
    tags = _check_tags(problems, prefix, inputs.get(prefix + "tags") or {}, mandatory)
    exceptions = _check_exceptions(problems, prefix + "grant_exceptions", inputs.get(prefix + "grant_exceptions"))
    return {
        "role": role,
        "host": context.get("host"),
        "role_name": inputs.get(prefix + "name"),
        "state": state,
        "environment": env,
        "account_id": account,
        "region": region,
        "partition": partition,
        "path": inputs.get(prefix + "path"),
        "source_regions": source_regions,
        "source_conditions": conditions,
        "description": inputs.get(prefix + "description"),
        "max_session_duration": inputs.get(prefix + "max_session_duration"),
        "permissions_boundary": inputs.get(prefix + "permissions_boundary"),
        "tags": tags,
        "purge_tags": purge_tags,
        "managed_policy_arns": managed,
        "other_environments": others,
        "exceptions": exceptions,
        "fail_on": inputs.get(prefix + "validate_fail_on", "error"),
        # The role's account (None while it is a placeholder for checks only) and the application's name prefix:
        # CROSS_ACCOUNT, and the fix of ACCOUNT_WIDE, for the inline and the managed policies alike.
        "scope": {"account_id": account if account != PLACEHOLDER_ACCOUNT else None,
                  "name_prefix": "%s-%s-" % (env, inputs.get(prefix + "project_id"))},
        "adopt": adopt,
    }


def _check_managed(problems, prefix, common, inline, exceptions):
    """The managed policies the collection knows offline, checked with the role's inline policies (role_plan checks
    every one from AWS before any write); returns ``(findings, unchecked ARNs)``."""
    documents, unchecked = _managed_policies.offline_documents(common["managed_policy_arns"])
    draft = {"inline_policies": inline, "managed_policy_arns": common["managed_policy_arns"], "environment": common["environment"],
             "gate": {"exceptions": exceptions, "other_environments": common["other_environments"], "scope": common["scope"]}}
    findings = _managed_policies.check_role(draft, documents)
    for finding in blocking(findings, common["fail_on"] if common["fail_on"] in FAIL_ON else "error"):
        problems.finding(prefix + "managed_policy_arns", finding)
    return findings, unchecked


def _finish(common, inline_policies, findings, extra=None):
    """The declaration both ECS roles publish, once every input is good."""
    declaration = dict((key, common[key]) for key in (
        "role", "host", "role_name", "state", "environment", "account_id", "region", "partition", "path", "description",
        "max_session_duration", "permissions_boundary", "tags", "purge_tags", "managed_policy_arns", "source_regions", "adopt"))
    # Terraform's role_arn output: the role's ARN, or "" when the role is declared absent (nothing to reference).
    declaration["role_arn"] = (_arns.role_arn(common["partition"], common["account_id"], common["path"], common["role_name"])
                               if common["state"] == "present" else "")
    declaration["trust_policy"] = trust_policy(common["partition"], common["account_id"], common["source_regions"], common["source_conditions"])
    declaration["inline_policies"] = inline_policies
    declaration["accepted_findings"] = _accepted(findings)
    # Findings that neither block (fail_on) nor are accepted, such as CROSS_ACCOUNT warnings: shown on the access page.
    declaration["open_findings"] = [dict(finding) for finding in findings if not finding.get("accepted")]
    # Checked with a placeholder account: the inventory opted out of declaring one, and STS has not been read yet.
    declaration["needs_account"] = common["account_id"] == PLACEHOLDER_ACCOUNT
    # What role_plan's check of the managed policies needs (the same gate as the inline policies').
    declaration["gate"] = {"exceptions": common["exceptions"], "other_environments": common["other_environments"], "fail_on": common["fail_on"],
                           "scope": common["scope"]}
    declaration["managed_policies_unchecked"] = []
    declaration.update(extra or {})
    return declaration


def execution_grants(problems, prefix, common, repositories, log_groups):
    """The grant intents (catalogue ``ecr`` pull, ``logs`` write) of a scoped execution role, or ``[]`` when it names
    neither its image repositories nor its log groups (the AWS managed policy stays)."""
    ecr, logs = CATALOGUE["ecr"]["resources"], CATALOGUE["logs"]["resources"]
    groups = []  # [((region, account), [names])] in the order given
    for index, repository in enumerate(repositories):
        field = "%simage_repositories[%d]" % (prefix, index)
        arn = ECR_REPOSITORY_ARN_RE.match(repository) if isinstance(repository, str) else None
        name, region, account = (arn.group(4), arn.group(2), arn.group(3)) if arn else (repository, common["region"], common["account_id"])
        if not (isinstance(name, str) and re.fullmatch(ecr["pattern"], name)):
            problems.add(field, repository, "is not an ECR repository name or repository ARN (%s)" % ecr["allowed"],
                         "Give the repository's name (cerpac/worker) or, for another account or region, its ARN "
                         "(arn:aws:ecr:eu-west-1:123456789012:repository/cerpac/worker); no wildcard.")
            continue
        if arn and arn.group(1) != common["partition"]:
            problems.add(field, repository, "is in partition %s, the role in %s" % (arn.group(1), common["partition"]),
                         "ECS pulls within the role's partition: name a repository of %s." % common["partition"])
            continue
        if arn and _arns.partition_for_region(region) != common["partition"]:
            problems.add(field, repository, "names region %s, which is not a region of partition %s" % (region, common["partition"]),
                         "Correct the region in the ARN.")
            continue
        names = dict(groups).get((region, account))
        if names is None:
            names = []
            groups.append(((region, account), names))
        if name in names:
            problems.add(field, repository, "is listed twice", "List each repository once.")
            continue
        names.append(name)
    for index, group in enumerate(log_groups):
        if not (isinstance(group, str) and re.fullmatch(logs["pattern"], group)):
            problems.add("%slog_groups[%d]" % (prefix, index), group, "is not a log group name (%s)" % logs["allowed"],
                         "Give the log group's name as the task definition's awslogs-group names it (/ecs/staging/cerpac); no wildcard.")
    if len(set(map(str, log_groups))) != len(log_groups):
        problems.add(prefix + "log_groups", log_groups, "lists a log group twice", "List each log group once.")
    if bool(repositories) != bool(log_groups):
        given, missing = ("image_repositories", "log_groups") if repositories else ("log_groups", "image_repositories")
        problems.add(prefix + missing, [], "is empty while %s%s is given: the scoped policy replaces AmazonECSTaskExecutionRolePolicy, "
                     "so without it ECS could not %s" % (prefix, given, "write the containers' logs" if missing == "log_groups" else "pull the image"),
                     "Name both (the repositories of the task definition's images and its awslogs-group log groups), or neither to keep "
                     "the AWS managed policy.")
    if problems or not repositories:
        return []
    grants = []
    for (region, account), names in groups:
        grant = {"service": "ecr", "access": ["pull"], "resources": names}
        if region != common["region"]:
            grant["region"] = region
        if account != common["account_id"]:
            grant["account_id"] = account
        grants.append(grant)
    grants.append({"service": "logs", "access": ["write"], "resources": list(log_groups)})
    return grants


def declare_task_role(inputs, context=None):
    """Check every input of ``ecs_task_role`` and return ``(declaration, problems)``."""
    context = context or {}
    role, prefix = "ecs_task_role", "ecs_task_role_"
    problems = Problems()
    common = _common(problems, role, prefix, inputs, context, "ecs-task-role")
    policies = _check_policy_names(problems, prefix, inputs.get(prefix + "policies"),
                                   lambda name: "names starting with grants- are kept for policies rendered from ecs_task_role_grants"
                                   if name.startswith(GRANTS_PREFIX) else None)
    grants = inputs.get(prefix + "grants") or []
    rendered, trace = [], []
    if problems or common["state"] != "present":
        if problems:
            return None, problems.items
        return _finish(common, [], [], {"grants": []}), []
    if not isinstance(grants, list) or not all(isinstance(grant, dict) for grant in grants):
        problems.add(prefix + "grants", grants, "must be a list of grant mappings (dict)", "Write [{service: s3, access: [read], "
                     "resources: [my-bucket]}].")
        return None, problems.items
    if grants:
        rendered, errors = render_grants(grants, common["partition"], common["region"], common["account_id"], role_name=common["role_name"],
                                         trace=trace)
        for error in errors:
            if error.get("path") and error["grant"] is not None:  # the grant's own field: named by its path, with the allowed values
                problems.add(prefix + "grants" + error["path"], error.get("shown", error["value"]), error["problem"],
                             "%sAllowed: %s. See docs/grants.md for each service's access levels and names."
                             % ("Did you mean %s? " % error["near"] if error.get("near") else "", ", ".join(str(item) for item in error["allowed"])))
            else:
                problems.add(prefix + "grants", error["value"], error["message"], "See docs/grants.md for each service's access levels and names.")
        if errors:
            return None, problems.items
    inline = [{"name": policy["name"], "document": policy["document"]} for policy in policies] + rendered
    builtin = [dict(rule) for rule in CHECK_EXCEPTIONS if any(policy["name"] == rule.get("policy") for policy in rendered)]
    findings = _validate(problems, prefix, inline, common["environment"], common["other_environments"],
                         common["exceptions"] + builtin, inputs.get(prefix + "validate_fail_on", "error"),
                         dict((policy["name"], prefix + "grants") for policy in rendered), common["scope"])
    managed, unchecked = _check_managed(problems, prefix, common, inline, common["exceptions"] + builtin)
    if problems:
        return None, problems.items
    common["exceptions"] = common["exceptions"] + builtin
    return _finish(common, inline, findings + managed, {"grants": trace, "managed_policies_unchecked": unchecked}), []


def declare_execution_role(inputs, context=None):
    """Check every input of ``ecs_task_execution_role`` and return ``(declaration, problems)``."""
    context = context or {}
    role, prefix = "ecs_task_execution_role", "ecs_task_execution_role_"
    problems = Problems()
    common = _common(problems, role, prefix, inputs, context, "ecs-task-execution-role")
    policies = _check_policy_names(problems, prefix, inputs.get(prefix + "policies"),
                                   lambda name: "%s is kept for the policy rendered from the secrets and parameters" % STARTUP_POLICY
                                   if name == STARTUP_POLICY else "names starting with grants- are kept for the policies rendered from "
                                   "the image repositories and log groups" if name.startswith(GRANTS_PREFIX) else None)
    secrets = _list_of(problems, prefix + "secrets", inputs.get(prefix + "secrets"), "secret names", "Write [staging/cerpac/db].")
    parameters = _list_of(problems, prefix + "parameters", inputs.get(prefix + "parameters"), "parameter names", "Write [/cerpac/staging/db].")
    kms_keys = _list_of(problems, prefix + "kms_keys", inputs.get(prefix + "kms_keys"), "KMS key ids or ARNs", "Write [<key id>].")
    repositories = _list_of(problems, prefix + "image_repositories", inputs.get(prefix + "image_repositories"), "ECR repository names or ARNs",
                            "Write [cerpac/worker].")
    log_groups = _list_of(problems, prefix + "log_groups", inputs.get(prefix + "log_groups"), "log group names", "Write [/ecs/staging/worker].")
    for index, secret in enumerate(secrets):
        if not (isinstance(secret, str) and SECRET_RE.match(secret)):
            problems.add("%ssecrets[%d]" % (prefix, index), secret, "is not a Secrets Manager secret name or a name prefix ending in /*",
                         "Give secret names (staging/cerpac/db), not ARNs, or a name prefix ending in /* (staging/cerpac/*); no other "
                         "wildcard.")
    for index, parameter in enumerate(parameters):
        if not (isinstance(parameter, str) and PARAMETER_RE.match(parameter)):
            problems.add("%sparameters[%d]" % (prefix, index), parameter, "is not a Parameter Store name or a path ending in /*",
                         "Give parameter names (/cerpac/staging/db) or a path ending in /* (/cerpac/staging/*); no other wildcard.")
    for index, key in enumerate(kms_keys):
        arn = KMS_KEY_ARN_RE.match(key) if isinstance(key, str) else None
        if not (isinstance(key, str) and (KMS_KEY_ID_RE.match(key) or arn)):
            problems.add("%skms_keys[%d]" % (prefix, index), key, "is not a KMS key id or key ARN",
                         "Name the key by its id or key ARN, not aliases: kms:Decrypt is authorised against the key.")
        elif arn and common["partition"] and arn.group(1) != common["partition"]:
            problems.add("%skms_keys[%d]" % (prefix, index), key, "is in partition %s, the role in %s" % (arn.group(1), common["partition"]),
                         "Name a key of the role's partition.")
    if kms_keys and not (secrets or parameters):
        problems.add(prefix + "kms_keys", kms_keys, "KMS keys only make sense with at least one secret or parameter to decrypt",
                     "Add the secrets or parameters they encrypt, or remove the keys.")
    grants = execution_grants(problems, prefix, common, repositories, log_groups) if not problems else []
    if problems:
        return None, problems.items
    # Named repositories and log groups: a scoped policy from the catalogue's intents; neither: AWS's managed policy,
    # accepted with a built-in reason that says how to scope it.
    execution = {"image_repositories": list(repositories), "log_groups": list(log_groups), "scoped": bool(grants)}
    if not grants:
        managed = [_arns.managed_policy_arn(common["partition"], EXECUTION_POLICY)]
        managed += [arn for arn in common["managed_policy_arns"] if arn not in managed]
        common["managed_policy_arns"] = managed
        common["exceptions"] = common["exceptions"] + _managed_policies.execution_policy_exceptions(managed[0])
    startup = {"secrets": list(secrets), "parameters": list(parameters), "kms_keys": list(kms_keys), "policy": None}
    if common["state"] != "present":
        return _finish(common, [], [], {"startup": startup, "grants": [], "execution": execution}), []
    rendered, trace = [], []
    if grants:
        rendered, errors = render_grants(grants, common["partition"], common["region"], common["account_id"], role_name=common["role_name"],
                                         trace=trace)
        for error in errors:
            problems.add(prefix + "image_repositories", error["value"], error["message"], "Name the repositories and log groups by name.")
        if errors:
            return None, problems.items
    inline = list(rendered)
    document = startup_secrets_policy(common["partition"], common["region"], common["account_id"], secrets, parameters, kms_keys)
    if document is not None:
        inline.append({"name": STARTUP_POLICY, "document": document})
        startup["policy"] = STARTUP_POLICY
    inline += [{"name": policy["name"], "document": policy["document"]} for policy in policies]
    sources = {STARTUP_POLICY: prefix + "secrets", GRANTS_PREFIX + "ecr": prefix + "image_repositories", GRANTS_PREFIX + "logs": prefix + "log_groups"}
    findings = _validate(problems, prefix, inline, common["environment"], common["other_environments"], common["exceptions"],
                         inputs.get(prefix + "validate_fail_on", "error"), sources, common["scope"]) if inline else []
    managed_findings, unchecked = _check_managed(problems, prefix, common, inline, common["exceptions"])
    if problems:
        return None, problems.items
    return _finish(common, inline, findings + managed_findings, {"startup": startup, "grants": trace, "execution": execution,
                                                                 "managed_policies_unchecked": unchecked}), []


def declare_passrole(inputs, context=None):
    """Check every input of ``ecs_deployer_passrole`` and return ``(declaration, problems)``."""
    context = context or {}
    role, prefix = "ecs_deployer_passrole", "ecs_deployer_passrole_"
    problems = Problems()
    _check_unknown(problems, role, prefix, context)
    state = inputs.get(prefix + "state", "present")
    if state not in STATES:
        problems.add(prefix + "state", state, "must be present or absent", "Choose one.")
    arns = _list_of(problems, prefix + "role_arns", inputs.get(prefix + "role_arns"), "role ARNs",
                    "List the ARNs one by one, for example [arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role].")
    paths = _list_of(problems, prefix + "role_paths", inputs.get(prefix + "role_paths"), "IAM paths", "Write for example [/ecs/staging/].")
    bad = [arn for arn in arns if not (isinstance(arn, str) and ROLE_ARN_RE.match(arn))]
    if bad:
        problems.add(prefix + "role_arns", bad, "list the ARNs of the roles the deployer may pass to ECS, one by one and without wildcards",
                     "Write for example arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role, or give an IAM path in "
                     "%srole_paths to cover every role under it." % prefix)
    for index, path in enumerate(paths):
        if not (isinstance(path, str) and PATH_RE.match(path)) or path == "/":
            problems.add("%srole_paths[%d]" % (prefix, index), path, "must be an IAM path other than / (which would be every role of the "
                         "account), starting and ending with /", "Write the environment's path, for example /ecs/staging/.")
    if state == "present" and not (arns or paths):
        problems.add(prefix + "role_arns", arns, "names no role: list the roles the deployer may pass (without wildcards), or an IAM "
                     "path in %srole_paths" % prefix, "For example [arn:aws:iam::123456789012:role/staging-cerpac-ecs-task-role].")
    role_name = inputs.get(prefix + "role_name") or ""
    user_name = inputs.get(prefix + "user_name") or ""
    for field, value in ((prefix + "role_name", role_name), (prefix + "user_name", user_name)):
        if value and not (isinstance(value, str) and IAM_NAME_RE.match(value)):
            problems.add(field, value, "an IAM role or user name has 1 to 64 characters among letters, digits and +=,.@_-", "Correct it.")
    if role_name and user_name:
        problems.add(prefix + "role_name", role_name, "name the deployer's IAM role or its IAM user, not both (%suser_name=%s)"
                     % (prefix, _show(user_name)), "Keep one of the two.")
    policy_name = inputs.get(prefix + "policy_name")
    if not (isinstance(policy_name, str) and POLICY_NAME_RE.match(policy_name)):
        problems.add(prefix + "policy_name", policy_name, "a policy name has 1 to 128 characters among letters, digits and +=,.@_-",
                     "Rename it.")
    region = inputs.get(prefix + "region")
    partition = None
    if role_name or user_name or paths:
        partition = _check_region(problems, prefix + "region", region)
    account = None
    if paths or role_name or user_name:
        account = _check_account(problems, prefix, inputs, context)
    elif arns and all(isinstance(arn, str) and ROLE_ARN_RE.match(arn) for arn in arns):
        partition = ROLE_ARN_RE.match(arns[0]).group(1)
    if partition and arns:
        other = sorted(set(arn for arn in arns if isinstance(arn, str) and ROLE_ARN_RE.match(arn) and ROLE_ARN_RE.match(arn).group(1) != partition))
        if other:
            problems.add(prefix + "role_arns", other, "are in another partition than %s" % partition, "List roles of one partition.")
    if account and account != PLACEHOLDER_ACCOUNT and arns:
        other = sorted(set(arn for arn in arns if isinstance(arn, str) and ROLE_ARN_RE.match(arn) and ROLE_ARN_RE.match(arn).group(2) != account))
        if other:
            problems.add(prefix + "role_arns", other, "belong to another account than %s" % account,
                         "The deployer passes roles of its own account: list roles of account %s." % account)
    if problems:
        return None, problems.items
    resources = passrole_resources(partition, account, paths, arns) if state == "present" else []
    for index, arn in enumerate(context.get("required_role_arns") or [] if state == "present" else []):
        if arn and not passrole_covers(resources, arn):
            problems.add("%srequired_role_arns[%d]" % (prefix, index), arn, "is a role of this environment that the deployer's PassRole policy "
                         "does not cover (it names %s)" % _show(resources),
                         "Put the role under the environment's path (%srole_paths), or list its ARN in %srole_arns." % (prefix, prefix))
    if problems:
        return None, problems.items
    environment = context.get("environment") or None
    others = known_environments_except(environment) if environment else []
    named = [name for name in others
             if isinstance(policy_name, str) and re.search(r"(?<![A-Za-z0-9])%s(?![A-Za-z0-9])" % re.escape(name), policy_name, re.IGNORECASE)]
    if named:
        problems.add(prefix + "policy_name", policy_name, "names environment %s, which is not the one this inventory deploys (%s)"
                     % (_show(named[0]), environment), "Name the policy for this environment, for example %s-ecs-passrole: another "
                     "environment's policy on a shared deployer is that environment's to write." % environment)
    document = passrole_policy(resources) if state == "present" else None
    if document is not None:
        _validate(problems, prefix, [{"name": policy_name, "document": document}], environment, others, [], "error",
                  {policy_name: prefix + "role_arns"})
    if problems:
        return None, problems.items
    deployer = None
    if role_name or user_name:
        deployer = {"type": "role" if role_name else "user", "name": role_name or user_name}
    return {
        "role": role,
        "host": context.get("host"),
        "policy_name": policy_name,
        "state": state,
        "deployer": deployer,
        "resources": resources,
        "document": document,
        "account_id": account,
        "partition": partition,
        "region": region,
    }, []


DECLARE = {
    "ecs_task_role": declare_task_role,
    "ecs_task_execution_role": declare_execution_role,
    "ecs_deployer_passrole": declare_passrole,
}


ROLE_NAMES = tuple(DECLARE)


def declare(role, inputs, context=None):
    """Dispatch to the role's declare function; an unknown role is a programming error (KeyError)."""
    return DECLARE[role](copy.deepcopy(inputs or {}), context or {})


def known_environments_except(env):
    """The default of ``<role>_other_environments``: the common environment names but the role's own."""
    return [name for name in KNOWN_ENVIRONMENTS if name != env]
