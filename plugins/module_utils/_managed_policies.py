# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Managed policies through the gate: what a role's managed policies add to its inline policies' own findings.

Every managed policy a role attaches (AWS managed or customer managed) is checked by ``grant_checks`` together
with the role's inline policies, so that a finding inside the managed policy, and an escalation that needs
statements of both, stop the run like an inline finding. The managed policy is named by its ARN in the findings,
so that an exception's ``policy`` may name it (``{code: RESOURCE_STAR, policy: arn:aws:iam::...:policy/x, reason}``).

Plain data in and out:

``offline_documents(arns)``
    ``(documents, unchecked)``: the documents the collection knows without AWS (the AWS managed policies in
    ``KNOWN_DOCUMENTS``), and the ARNs it cannot check offline (render says deploy will).
``read_policies(client, arns)``
    ``{arn: {"arn", "version", "document"} or {"arn", "error"}}``: each distinct ARN read once (``GetPolicy``, then
    ``GetPolicyVersion`` of its default version), concurrently. Only reads.
``check_role(declaration, documents)``
    The findings the role's managed policies add (accepted ones marked, with the role's exceptions).
``check_declarations(declarations, read)``
    ``{"findings": {role_name: [...]}, "problems": [one line per blocking finding or unreadable policy]}``.
"""

import json

from concurrent.futures import ThreadPoolExecutor

from urllib.parse import unquote

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # the module that calls read_policies reports a missing botocore
    BotoCoreError = ClientError = ()

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import apply_exceptions
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import blocking
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policies
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import format_finding

AWS_POLICY_RE = _arns.AWS_POLICY_ARN_RE
EXECUTION_POLICY = "service-role/AmazonECSTaskExecutionRolePolicy"
EXECUTION_POLICY_ACTIONS = ("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                            "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents")

# AWS managed policies known offline (AWS's published default version), so that render checks them without AWS.
KNOWN_DOCUMENTS = {
    EXECUTION_POLICY: {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(EXECUTION_POLICY_ACTIONS), "Resource": "*"}],
    },
}

EXECUTION_POLICY_REASON = (
    "the AWS managed AmazonECSTaskExecutionRolePolicy pulls images from every repository and writes to every log group of "
    "the account; it stays while the application names neither its repositories nor its log groups. Fix: name them "
    "(ecs_task_execution_role_image_repositories and ecs_task_execution_role_log_groups) and the role gets a scoped "
    "policy instead")

# Policies read at once: IAM answers each read independently; a few at a time keeps under its request rate.
READERS = 8


def aws_policy_name(arn):
    """The name (with its path) of an AWS managed policy ARN (``service-role/AmazonECSTaskExecutionRolePolicy``), or None."""
    match = AWS_POLICY_RE.match(arn or "") if isinstance(arn, str) else None
    return match.group(2) if match else None


def execution_policy_exceptions(arn):
    """The built-in exceptions that accept the AWS managed execution policy's ``"*"`` (``arn`` in the role's partition)."""
    return [{"code": "RESOURCE_STAR", "action": action, "resource": "*", "policy": arn, "reason": EXECUTION_POLICY_REASON}
            for action in EXECUTION_POLICY_ACTIONS]


def offline_documents(arns):
    """``(documents, unchecked)``: ``{arn: document}`` for the AWS managed policies known offline; the other ARNs, sorted."""
    documents, unchecked = {}, []
    for arn in arns or ():
        name = aws_policy_name(arn)
        if name in KNOWN_DOCUMENTS:
            documents[arn] = KNOWN_DOCUMENTS[name]
        elif arn not in unchecked:
            unchecked.append(arn)
    return documents, sorted(unchecked)


def _document(document):
    """A policy version's document: boto3 decodes it; a raw answer carries URL-encoded JSON."""
    if isinstance(document, str):
        return json.loads(unquote(document))
    return document


def _error_code(error):
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return (response.get("Error") or {}).get("Code") or ""
    return ""


def read_policy(client, arn):
    """The default version of one managed policy: ``{"arn", "version", "document"}``, or ``{"arn", "error"}`` when it
    cannot be read (missing, access denied). Two reads: ``GetPolicy`` then ``GetPolicyVersion``."""
    try:
        policy = client.get_policy(PolicyArn=arn)["Policy"]
        version = client.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
        return {"arn": arn, "version": policy["DefaultVersionId"], "document": _document(version["Document"])}
    except (ClientError, BotoCoreError) as error:
        code = _error_code(error)
        if code == "NoSuchEntity":
            return {"arn": arn, "error": "does not exist"}
        return {"arn": arn, "error": "could not be read (%s)" % (code or str(error))}


def read_policies(client, arns, readers=READERS):
    """Each distinct ARN read once, concurrently: ``{arn: read_policy(...)}``."""
    distinct = sorted(set(arn for arn in arns or () if isinstance(arn, str)))
    if not distinct:
        return {}
    with ThreadPoolExecutor(max_workers=min(readers, len(distinct))) as pool:
        return dict(zip(distinct, pool.map(lambda arn: read_policy(client, arn), distinct)))


def _key(finding):
    statement = finding.get("statement") or {}
    return (finding["code"], finding["policy"], statement.get("index"), finding.get("action"), finding.get("resource"), finding["message"])


def check_role(declaration, documents):
    """The findings a role's managed policies add to its inline policies' own, with the role's exceptions applied.

    ``declaration``: as ``declare_role`` publishes it (``inline_policies``, ``managed_policy_arns``, ``environment``
    and ``gate``: ``{"exceptions", "other_environments", "fail_on", "scope"}``). ``documents``: ``{arn: document}``; managed
    policies without a document are left out (see ``check_declarations`` for unreadable ones). The inline policies
    were checked when the role was declared: only what is new with the managed policies is returned (a finding in a
    managed policy, named by its ARN, or an escalation across them). The inline quota does not apply to them."""
    gate = declaration.get("gate") or {}
    managed = [{"name": arn, "document": documents[arn]} for arn in declaration.get("managed_policy_arns") or [] if arn in documents]
    if not managed:
        return []
    inline = [{"name": policy["name"], "document": policy["document"]} for policy in declaration.get("inline_policies") or []]
    scope = gate.get("scope") or {}
    context = {"environment": declaration.get("environment"), "other_environments": gate.get("other_environments") or (),
               "account_id": scope.get("account_id"), "name_prefix": scope.get("name_prefix")}
    before = set(_key(finding) for finding in check_policies(inline, **context)) if inline else set()
    added = [finding for finding in check_policies(inline + managed, **context)
             if finding["code"] != "POLICY_TOO_LARGE" and _key(finding) not in before]
    return apply_exceptions(added, gate.get("exceptions") or [])


def _field(declaration):
    prefix = "ecs_task_role_" if declaration.get("role") == "ecs_task_role" else "ecs_task_execution_role_"
    return prefix


def check_declarations(declarations, read):
    """Check every declared role's managed policies as ``read`` (``read_policies``'s answer) gives them.

    Returns ``{"findings": {role_name: [findings]}, "problems": [lines]}``; a problem names the host, the role and the
    policy ARN, says what is wrong and the fix. Roles declared absent are not checked."""
    findings, problems = {}, []
    for declaration in declarations:
        if not isinstance(declaration, dict) or declaration.get("state", "present") != "present":
            continue
        arns = declaration.get("managed_policy_arns") or []
        if not arns:
            continue
        where = "host %s, IAM role %s" % (declaration.get("host"), declaration.get("role_name"))
        prefix = _field(declaration)
        for arn in arns:
            answer = read.get(arn) or {"error": "was not read"}
            if "error" in answer:
                problems.append("%s: managed policy %s %s. Fix: correct or remove it in %smanaged_policy_arns (the deployer needs "
                                "iam:GetPolicy and iam:GetPolicyVersion on it)." % (where, arn, answer["error"], prefix))
        documents = dict((arn, answer["document"]) for arn, answer in read.items() if "document" in answer)
        role_findings = check_role(declaration, documents)
        findings[declaration.get("role_name")] = role_findings
        for finding in blocking(role_findings, (declaration.get("gate") or {}).get("fail_on") or "error"):
            problems.append("%s: managed policy %s: %s. To keep the policy, accept the finding with an exception naming it in "
                            "%sgrant_exceptions ({code: %s, policy: %s, reason: ...}); otherwise remove it from %smanaged_policy_arns."
                            % (where, _culprit(finding, arns), format_finding(finding), prefix, finding["code"],
                               _culprit(finding, arns), prefix))
    return {"findings": findings, "problems": problems}


def _culprit(finding, arns):
    """The managed policy a finding is about: its own policy, or the first managed ARN its message names."""
    if finding.get("policy") in arns:
        return finding["policy"]
    for arn in arns:
        if arn in (finding.get("message") or ""):
            return arn
    return arns[0]


def accepted_lines(findings):
    """The accepted findings of managed policies that only AWS could give (the ones known offline are said when the
    role is declared), one line each: ``accepted (<reason>): <finding>``."""
    known = set(KNOWN_DOCUMENTS)
    return ["accepted (%s): %s" % (finding.get("reason"), format_finding(finding)) for finding in findings or ()
            if finding.get("accepted") and aws_policy_name(finding.get("policy")) not in known]
