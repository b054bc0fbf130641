"""tests/support/local_aws.py's request classifier: what the `writes == []` checks of the integration tests rest on.

It must fail closed: a request whose action cannot be told for certain, or is not certainly a read, is a write.
The entries in tests/unit/golden/recorder/entries.jsonl are real: moto's recorder wrote them for requests sent
over HTTP (re-record with `python -m tests.support.recorder_samples tests/unit/golden/recorder/entries.jsonl`).
"""

import base64
import copy
import json
import pathlib
import urllib.parse

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as reference
from tests.support.local_aws import Calls, _action_of, is_write

SAMPLES_FILE = pathlib.Path(__file__).parent / "golden" / "recorder" / "entries.jsonl"
SAMPLES = {line["sample"]: line["entry"] for line in map(json.loads, SAMPLES_FILE.read_text(encoding="utf-8").splitlines())}

# sample -> (the action told, counted as a write)
RECORDED = {
    # The query protocol of IAM and STS: a form-encoded body, which moto's server records base64-encoded.
    "form_create_role": ("CreateRole", True),
    "form_get_role": ("GetRole", False),
    "form_put_role_policy": ("PutRolePolicy", True),
    "form_list_role_policies": ("ListRolePolicies", False),
    "form_generate_credential_report": ("GenerateCredentialReport", True),  # AWS says Read; it starts a report job
    "form_sts_get_caller_identity": ("GetCallerIdentity", False),
    "form_sts_assume_role": ("AssumeRole", True),
    # The action in the URL's query string, the body empty (moto records body "" and body_encoded false).
    "query_list_roles": ("ListRoles", False),
    "query_delete_role_policy": ("DeleteRolePolicy", True),
    # A JSON-protocol request: the action is in the X-Amz-Target header, the JSON body does not name it.
    "json_list_secrets": ("ListSecrets", False),
    "json_create_secret": ("CreateSecret", True),
    # Nothing certain: every one of these counts as a write.
    "empty_body": (None, True),
    "form_without_action": (None, True),
    "form_not_utf8": (None, True),  # "Action=GetRole&RoleName=\xff\xfe": the old parser read GetRole
    "form_garbled": (None, True),  # "Action=GetRole&&RoleName": the old parser read GetRole
    "form_two_actions": (None, True),  # "Action=GetRole&Action=DeleteRole": the old parser read GetRole
    "body_and_query_disagree": (None, True),  # ?Action=GetRole, body Action=DeleteRole
    "form_lower_case_action": (None, True),  # "getRole" is no AWS action name
    "moto_api_reset": (None, True),  # POST /moto-api/reset: not an AWS API call at all
}


def test_the_table_covers_every_recorded_sample():
    assert sorted(SAMPLES) == sorted(RECORDED)


@pytest.mark.parametrize("sample, expected", RECORDED.items(), ids=list(RECORDED))
def test_recorded_entries(sample, expected):
    action = _action_of(SAMPLES[sample])
    assert (action, is_write(action)) == expected


def _decoded(entry):
    """The entry as moto records a body it was given as text: not base64-encoded."""
    plain = copy.deepcopy(entry)
    plain["body"] = base64.b64decode(entry["body"]).decode("utf-8")
    plain["body_encoded"] = False
    return plain


def _with(entry, **changes):
    changed = copy.deepcopy(entry)
    changed.update(changes)
    return changed


def _with_header(entry, name, value):
    changed = copy.deepcopy(entry)
    changed["headers"][name] = value
    return changed


def _lower_case_headers(entry):
    changed = copy.deepcopy(entry)
    changed["headers"] = {key.lower(): value for key, value in entry["headers"].items()}
    return changed


def _without_header(entry, name):
    changed = copy.deepcopy(entry)
    changed["headers"] = {key: value for key, value in entry["headers"].items() if key.lower() != name.lower()}
    return changed


# Entries changed from the real ones, for the shapes moto's server does not produce.
DERIVED = [
    ("form body recorded as text", lambda: _decoded(SAMPLES["form_get_role"]), "GetRole"),
    ("form write recorded as text", lambda: _decoded(SAMPLES["form_put_role_policy"]), "PutRolePolicy"),
    ("header names in lower case", lambda: _lower_case_headers(SAMPLES["form_get_role"]), "GetRole"),
    ("body not valid base64", lambda: _with(SAMPLES["form_get_role"], body="QWN0aW9uPUdldFJvbGU*"), None),
    ("base64 of a body cut short", lambda: _with(SAMPLES["form_get_role"], body="QWN0aW9uPUdldFJvbGU"), None),
    ("form body without its Content-Type", lambda: _without_header(SAMPLES["form_get_role"], "Content-Type"), None),
    ("body a JSON object", lambda: _with(SAMPLES["form_get_role"], body={"Action": "GetRole"}, body_encoded=False), None),
    ("body a number", lambda: _with(SAMPLES["form_get_role"], body=7, body_encoded=False), None),
    ("Action= with no value", lambda: _with(_decoded(SAMPLES["form_get_role"]), body="Action=&Version=2010-05-08"), None),
    ("X-Amz-Target and form Action disagree", lambda: _with_header(SAMPLES["form_get_role"], "X-Amz-Target", "iam.DeleteRole"), None),
    ("X-Amz-Target without an operation", lambda: _with_header(SAMPLES["json_list_secrets"], "X-Amz-Target", "secretsmanager."), None),
    ("headers not a mapping", lambda: _with(SAMPLES["form_get_role"], headers=None), None),
    ("url missing", lambda: _with(SAMPLES["query_list_roles"], url=None), None),
    ("an empty entry", dict, None),
    ("a list, not an entry", lambda: ["Action=GetRole"], None),
    ("a string, not an entry", lambda: "Action=GetRole", None),
    ("None", lambda: None, None),
]


@pytest.mark.parametrize("make, expected", [(make, expected) for dummy, make, expected in DERIVED], ids=[name for name, dummy, dummy in DERIVED])
def test_derived_entries(make, expected):
    assert _action_of(make()) == expected


@pytest.mark.parametrize("action, write", [
    ("GetRole", False),
    ("ListRolePolicies", False),
    ("ListAttachedRolePolicies", False),
    ("GetCallerIdentity", False),
    ("SimulatePrincipalPolicy", False),
    ("CreateRole", True),
    ("PutRolePolicy", True),
    ("DeleteRolePermissionsBoundary", True),
    ("TagRole", True),
    ("UpdateAssumeRolePolicy", True),
    ("AssumeRole", True),
    ("GenerateServiceLastAccessedDetails", True),
    ("GetFederationToken", True),  # AWS classes these three Get* actions as Write
    ("GetDelegatedAccessToken", True),
    ("GetWebIdentityToken", True),
    ("DescribeRegions", True),  # no IAM/STS action: not a known read
    ("Get", True),
    ("Getaway", True),
    ("getRole", True),
    ("GetRole ", True),
    ("GetRole&Action=DeleteRole", True),
    ("", True),
    (None, True),
    (7, True),
])
def test_is_write(action, write):
    assert is_write(action) is write


def _aws_levels(service):
    return {action.name: set(action.access_levels) for action in reference.expand_action(service + ":*")}


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_never_reads_what_aws_calls_a_change(service):
    """Every IAM/STS action counted a read has only the access level Read or List in AWS's Service Authorization Reference."""
    levels = _aws_levels(service)
    assert len(levels) > 10  # the reference is there
    assert {name: sorted(level) for name, level in levels.items() if not is_write(name) and not level <= {"Read", "List"}} == {}


@pytest.mark.parametrize("service, stricter", [
    ("iam", ["GenerateCredentialReport", "GenerateOrganizationsAccessReport", "GenerateServiceLastAccessedDetails"]),
    ("sts", []),
])
def test_counts_as_writes_only_these_of_what_aws_calls_reads(service, stricter):
    """The deliberate departures from AWS: the Generate* calls start a report job, so they count as writes."""
    levels = _aws_levels(service)
    assert sorted(name for name, level in levels.items() if is_write(name) and level <= {"Read", "List"}) == stricter


def test_the_sts_token_actions_aws_calls_writes_are_writes():
    levels = _aws_levels("sts")
    get_writes = sorted(name for name, level in levels.items() if name.startswith("Get") and "Write" in level)
    assert get_writes == ["GetDelegatedAccessToken", "GetFederationToken", "GetWebIdentityToken"]
    assert [name for name in get_writes if not is_write(name)] == []


def test_calls_count_every_uncertain_request_as_a_write_and_say_what_it_was():
    calls = Calls()
    for sample in ("form_get_role", "form_create_role", "form_garbled", "json_list_secrets", "moto_api_reset"):
        calls.add(SAMPLES[sample])
    calls.add_line("{not json")
    assert calls.actions == ["GetRole", "CreateRole", None, "ListSecrets", None, None]
    assert calls.writes == ["CreateRole", None, None, None]
    assert len(calls) == 6 and calls.count("GetRole") == 1 and calls.count(None) == 3
    assert calls.unparsed == [
        "POST / (application/x-www-form-urlencoded) body='Action=GetRole&&RoleName'",
        "POST /moto-api/reset (application/x-www-form-urlencoded) body=''",
        "unreadable recorder entry '{not json'",
    ]
    assert repr(calls) == (
        "Calls(['GetRole', 'CreateRole', None, 'ListSecrets', None, None], unparsed=["
        "\"POST / (application/x-www-form-urlencoded) body='Action=GetRole&&RoleName'\", "
        "\"POST /moto-api/reset (application/x-www-form-urlencoded) body=''\", "
        "\"unreadable recorder entry '{not json'\"])"
    )


def test_calls_of_reads_only_have_no_writes():
    calls = Calls()
    for sample in ("form_get_role", "form_list_role_policies", "form_sts_get_caller_identity", "query_list_roles"):
        calls.add_line(json.dumps(SAMPLES[sample]))
    assert calls.actions == ["GetRole", "ListRolePolicies", "GetCallerIdentity", "ListRoles"]
    assert calls.writes == [] and calls.unparsed == []
    assert repr(calls) == "Calls(['GetRole', 'ListRolePolicies', 'GetCallerIdentity', 'ListRoles'])"


@pytest.mark.parametrize("url, in_bucket", [
    ("http://127.0.0.1:5000/lock-bucket/staging.lock", True),
    ("http://127.0.0.1:5000/lock-bucket", True),
    ("http://127.0.0.1:5000/lock-bucket-other/staging.lock", False),
    ("http://127.0.0.1:5000/other/lock-bucket/k", False),
])
def test_without_bucket_drops_only_that_buckets_requests(url, in_bucket):
    calls = Calls()
    calls.add(SAMPLES["form_create_role"])
    calls.add({"method": "PUT", "url": url, "headers": {}, "body": ""})
    assert calls.writes == ["CreateRole", None]
    kept = calls.without_bucket("lock-bucket")
    assert kept.writes == (["CreateRole"] if in_bucket else ["CreateRole", None])
    assert calls.bucket_requests("lock-bucket") == ([("PUT", urllib.parse.urlsplit(url).path)] if in_bucket else [])


def test_calls_give_the_parameters_of_each_request_of_an_action():
    def entry(body):
        return {"method": "POST", "url": "/", "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                "body": base64.b64encode(body.encode()).decode(), "body_encoded": True}

    calls = Calls()
    for body in ("Action=PutRolePolicy&RoleName=app-task&PolicyName=grants-s3&PolicyDocument=%7B%7D",
                 "Action=GetRole&RoleName=deployer",
                 "Action=PutRolePolicy&RoleName=deployer&PolicyName=staging-ecs-passrole&PolicyDocument=%7B%7D"):
        calls.add(entry(body))
    assert [(params["RoleName"], params["PolicyName"]) for params in calls.parameters("PutRolePolicy")] == [
        ("app-task", "grants-s3"), ("deployer", "staging-ecs-passrole")]
    assert calls.parameters("GetRole") == [{"Action": "GetRole", "RoleName": "deployer"}]
    assert calls.parameters("DeleteRole") == []


S3_AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20261205/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-date, "
           "Signature=e204df90ba9d0d40ce74a5ffb9ffe45e0928a72fc321fd51cfd304183724305d")
IAM_AUTH = S3_AUTH.replace("/s3/", "/iam/")


def _s3(method, path, auth=S3_AUTH, body=""):
    """A recorder entry as moto's server writes it for a boto3 S3 call (the shapes seen for put_object,
    list_objects_v2 and get_object)."""
    return {"method": method, "url": "http://127.0.0.1:5000" + path, "headers": {"Host": "127.0.0.1:5000", "Authorization": auth},
            "body": body, "body_encoded": False}


@pytest.mark.parametrize("entry, expected", [
    (_s3("GET", "/trail?list-type=2&prefix=AWSLogs%2F&delimiter=%2F&encoding-type=url"), ("ListObjectsV2", False)),
    (_s3("GET", "/trail?prefix=AWSLogs%2F"), ("ListObjects", False)),
    (_s3("GET", "/trail/AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/10/f.json.gz"), ("GetObject", False)),
    (_s3("GET", "/trail?acl"), (None, True)),
    (_s3("GET", "/trail/f.json.gz?torrent="), (None, True)),
    (_s3("GET", "/"), ("ListBuckets", False)),
    # Anything else of S3 is a write: PUT, POST, DELETE, HEAD, a sub-resource, a GET with a body, another service's GET.
    (_s3("PUT", "/trail/AWSLogs/f.json.gz", body="eA=="), (None, True)),
    (_s3("PUT", "/trail"), (None, True)),
    (_s3("POST", "/trail?delete"), (None, True)),
    (_s3("DELETE", "/trail/f.json.gz"), (None, True)),
    (_s3("HEAD", "/trail/f.json.gz"), (None, True)),
    (_s3("GET", "/trail/f.json.gz", body="x"), (None, True)),
    (_s3("GET", "/trail?policy=&list-type=2"), (None, True)),
    (_s3("GET", "/trail?list-type=2", auth=IAM_AUTH), (None, True)),
    (_s3("GET", "/trail?list-type=2", auth=""), (None, True)),
])
def test_s3_rest_requests(entry, expected):
    action = _action_of(entry)
    assert (action, is_write(action)) == expected
