# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every AWS managed policy of the corpus is checked without an exception.

The corpus (``aws_managed/``: one JSON policy document per AWS managed policy, such as the default versions the public
repository z0ph/MAMIP tracks; ``access_analyzer_findings/``: IAM Access Analyzer's findings for some of them) is read
from ``$CERPAC_CORPUS_DIR`` (default: ``shared/corpus`` beside the checkout) and never copied into the repository.
Without it these tests skip, and fail when the CI environment variable is set (tests/support/prerequisites.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json
import re

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils._service_reference import expand_action, lookup_action
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import CODES, check_policy
from tests.support.prerequisites import corpus_dir, require

CORPUS = corpus_dir()
MANAGED = CORPUS / "aws_managed"
FINDINGS = CORPUS / "access_analyzer_findings"

pytestmark = [pytest.mark.corpus]


@pytest.fixture(scope="module", autouse=True)
def corpus_present():
    require(MANAGED.is_dir(), "policy corpus not found at %s (set CERPAC_CORPUS_DIR)" % MANAGED)


# Actions of the corpus that AWS's data no longer has or never had (API names, retired services).
NOT_IAM_ACTIONS = {"s3:listobjects", "s3:listobjectsv2", "s3:listbuckets", "ssm:removetagstoresource"}


@pytest.fixture(scope="module")
def results():
    out = {}
    for path in sorted(MANAGED.glob("*.json")):
        out[path.name] = check_policy(path.read_text(encoding="utf-8"), name=path.stem)
    return out


def test_every_policy_is_checked(results):
    assert len(results) >= 1000
    for name, findings in results.items():
        assert isinstance(findings, list), name
        for finding in findings:
            assert finding["code"] in CODES, (name, finding)
            json.dumps(finding)


def test_size_quota_matches_the_corpus_facts(results):
    too_large = [name for name, findings in results.items() if any(f["code"] == "POLICY_TOO_LARGE" for f in findings)]
    assert len(too_large) == 26


def test_known_api_names_are_unknown_actions(results):
    unknown = {f["action"].lower() for findings in results.values() for f in findings if f["code"] == "UNKNOWN_ACTION"}
    assert NOT_IAM_ACTIONS <= unknown
    # Common real actions are known.
    assert not unknown & {"s3:getobject", "iam:passrole", "logs:putlogevents", "ec2:describeinstances"}


def test_structure_is_valid(results):
    """AWS's own policies are valid documents: no MALFORMED, the condition grammar included."""
    counts = collections.Counter(f["code"] for findings in results.values() for f in findings)
    assert counts["MALFORMED_JSON"] == 0 and counts["MALFORMED"] == 0


def test_unknown_condition_keys_are_the_reviewed_ones(results):
    """Condition keys of AWS's own policies that neither AWS's global keys nor the statement's actions have.

    Reviewed one by one: keys the service authorisation reference does not list at all (deepracer:UserToken,
    aws:PrincipalOrgMasterAccountId, lakeformation:GlueARN, which IAM Access Analyzer reports as
    INVALID_SERVICE_CONDITION_KEY too), or lists for other actions of the service only.
    """
    unknown = set()
    for name, findings in results.items():
        for finding in findings:
            if finding["code"] == "UNKNOWN_CONDITION_KEY":
                unknown.add((name, finding["message"].split(" ", 1)[0]))
    assert unknown == {
        ("AWSDeepRacerAccountAdminAccess.json", "deepracer:UserToken"),
        ("AWSDeepRacerDefaultMultiUserAccess.json", "deepracer:MultiUser"),
        ("AWSDeepRacerDefaultMultiUserAccess.json", "deepracer:UserToken"),
        ("AWSIoTTwinMakerServiceRolePolicy.json", "iottwinmaker:linkedServices"),
        ("AWSSSOServiceRolePolicy.json", "aws:PrincipalOrgMasterAccountId"),
        ("AWSServiceRoleForIoTSiteWise.json", "iottwinmaker:linkedServices"),
        ("AlexaForBusinessLifesizeDelegatedAccessPolicy.json", "a4b:amazonId"),
        ("AlexaForBusinessLifesizeDelegatedAccessPolicy.json", "a4b:filters_deviceType"),
        ("AlexaForBusinessPolyDelegatedAccessPolicy.json", "a4b:amazonId"),
        ("AmazonDataZoneGlueManageAccessRolePolicy.json", "lakeformation:GlueARN"),
        ("ROSAManageSubscription.json", "aws-marketplace:ProductId"),
    }


def _grants_pass_role(action):
    return any(a.service == "iam" and a.name == "PassRole" for a in expand_action(action))


def _analyzer_findings():
    for path in sorted(FINDINGS.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            yield path.name, item


def test_agrees_with_access_analyzer(results):
    """AWS's own verdicts: same size count, PassRole on "*" reported, invalid actions unknown."""
    require(FINDINGS.is_dir(), "no Access Analyzer findings at %s" % FINDINGS)
    checked = collections.Counter()
    for name, item in _analyzer_findings():
        if name not in results:
            continue
        ours = results[name]
        code = item["issueCode"]
        if code == "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA":
            theirs = int(re.search(r"The (\d+) characters", item["findingDetails"]).group(1))
            [finding] = [f for f in ours if f["code"] == "POLICY_TOO_LARGE"]
            size = int(re.search(r"total (\d+) ", finding["message"]).group(1))
            # Access Analyzer counts one character more than the whitespace-stripped JSON on every
            # policy that has not changed since its run; some policies changed since (2024-12).
            if abs(theirs - size) <= 1:
                checked["same size"] += 1
        elif code in ("PASS_ROLE_WITH_STAR_IN_RESOURCE", "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE"):
            assert any(f["code"] == "FULL_ADMIN" or f["code"] == "RESOURCE_STAR" and _grants_pass_role(f["action"]) for f in ours), name
        elif code == "INVALID_ACTION":
            action = re.search(r"The action (\S+) does not exist", item["findingDetails"]).group(1)
            if lookup_action(action) is None:  # AWS added some since 2024
                assert action in [f["action"] for f in ours if f["code"] == "UNKNOWN_ACTION"], name
        elif code == "INVALID_SERVICE_CONDITION_KEY":
            key = re.search(r"The condition key (\S+) does not exist", item["findingDetails"]).group(1)
            assert any(f["code"] == "UNKNOWN_CONDITION_KEY" and f["message"].startswith(key + " ") for f in ours), (name, key)
        elif code in ("TYPE_MISMATCH", "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS"):
            key = re.search(r"for the condition key (\S+?)\.?$", item["findingDetails"]).group(1)
            if not _string_operator_on(MANAGED / name, key):
                continue  # AWS has fixed the policy since (it now uses an ARN operator)
            assert any(f["code"] == "CONDITION_TYPE_MISMATCH" and key.lower() in f["message"].lower() for f in ours), (name, key)
        else:
            continue
        checked[code] += 1
    assert checked["same size"] >= 10 and checked["PASS_ROLE_WITH_STAR_IN_RESOURCE"] >= 5
    assert checked["INVALID_SERVICE_CONDITION_KEY"] == 1 and checked["TYPE_MISMATCH"] == 1
    assert checked["STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS"] >= 15


def _string_operator_on(path, key):
    """True when the policy at ``path`` tests ``key`` with a string operator (StringEquals, ForAnyValue:StringLike, ...)."""
    body = json.loads(path.read_text(encoding="utf-8"))["Statement"]
    for statement in body if isinstance(body, list) else [body]:
        for operator, block in (statement.get("Condition") or {}).items():
            if "string" in operator.lower() and any(k.lower() == key.lower() for k in block):
                return True
    return False


def test_account_wide_grants_of_aws_managed_policies(results):
    """Issue 18.3: AWS's own policies name accounts only rarely (they use "*" there, which is RESOURCE_STAR); the account-wide
    grants of the corpus are the AWS Marketplace policies' automation runbooks in AWS's own per-region accounts."""
    wide = collections.defaultdict(set)
    for name, findings in results.items():
        for finding in findings:
            if finding["code"] == "ACCOUNT_WIDE":
                wide[name].add((finding["action"], finding["resource"].split(":")[4], finding["resource"].rsplit(":", 1)[1]))
    assert sorted(wide) == ["AWSMarketplaceFullAccess.json", "AWSMarketplaceImageBuildFullAccess.json"]
    for found in wide.values():
        assert len(found) == 8 and set((action, part) for action, _account, part in found) == {
            ("ssm:StartAutomationExecution", "automation-definition/*")}
    # Without the role's account, nothing is CROSS_ACCOUNT.
    assert not any(f["code"] == "CROSS_ACCOUNT" for findings in results.values() for f in findings)


def test_notaction_on_star_is_resource_star_in_the_corpus(results):
    """Issue 21.10: the corpus's one Allow with NotAction on "*" is RESOURCE_STAR as well."""
    notaction = [name for name, findings in results.items() if any(f["code"] == "NOT_ACTION_WITH_ALLOW" for f in findings)]
    assert len(notaction) == 1
    [name] = notaction
    assert any(f["code"] == "RESOURCE_STAR" and f["resource"] == "*" and f["action"] == next(
        g["action"] for g in results[name] if g["code"] == "NOT_ACTION_WITH_ALLOW") for f in results[name])
