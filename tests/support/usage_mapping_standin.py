"""A minimal stand-in for plugins/module_utils/_usage_mapping.py (issue 20, written by the "usage-map" branch), for
the tests of the reader and the report while that file is not merged. Tests only: never shipped.

Same interface: ``event_actions(event_source, event_name)``, ``record_resources(record)``,
``is_data_event(event_source, event_name)``, ``DENIAL_CODES``, ``parse_denied_message(text)``. Covers only what the
tests' trails hold; ``install()`` puts it in place only when the real module cannot be imported.
"""

import importlib
import re
import sys

NAME = "ansible_collections.cerpac.ecs_iam.plugins.module_utils._usage_mapping"

DENIAL_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation",
                          "UnauthorizedAccess", "AuthorizationError", "AuthorizationErrorException", "NotAuthorized"})
_EXCEPTIONS = {("s3.amazonaws.com", "ListObjects"): ["s3:ListBucket"], ("s3.amazonaws.com", "ListObjectsV2"): ["s3:ListBucket"],
               ("s3.amazonaws.com", "HeadObject"): ["s3:GetObject"], ("monitoring.amazonaws.com", "PutMetricData"): ["cloudwatch:PutMetricData"]}
_DATA = {"s3.amazonaws.com": {"GetObject", "PutObject", "DeleteObject", "HeadObject", "ListObjects", "ListObjectsV2", "AbortMultipartUpload",
                              "ListMultipartUploadParts", "ListParts"},
         "dynamodb.amazonaws.com": {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem",
                                    "ConditionCheckItem"},
         "sqs.amazonaws.com": {"SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility"},
         "sns.amazonaws.com": {"Publish"}, "lambda.amazonaws.com": {"Invoke"}}
_KNOWN = {"s3": {"GetObject", "PutObject", "DeleteObject", "ListBucket", "AbortMultipartUpload", "ListMultipartUploadParts"},
          "dynamodb": _DATA["dynamodb.amazonaws.com"] | {"DescribeTable"}, "sqs": _DATA["sqs.amazonaws.com"] | {"GetQueueAttributes"},
          "ssm": {"GetParameter", "GetParameters", "GetParametersByPath"}, "secretsmanager": {"GetSecretValue", "DescribeSecret"},
          "ses": {"SendEmail", "SendRawEmail"}, "logs": {"CreateLogStream", "PutLogEvents"}, "kms": {"Decrypt"}}


def event_actions(event_source, event_name):
    if (event_source, event_name) in _EXCEPTIONS:
        return list(_EXCEPTIONS[(event_source, event_name)])
    prefix = (event_source or "").split(".", 1)[0]
    return ["%s:%s" % (prefix, event_name)] if event_name in _KNOWN.get(prefix, ()) else []


def is_data_event(event_source, event_name):
    return event_name in _DATA.get(event_source, ())


def record_resources(record):
    found = [item["ARN"] for item in record.get("resources") or [] if isinstance(item, dict) and item.get("ARN")]
    if found:
        return found
    params = record.get("requestParameters") or {}
    region, account = record.get("awsRegion"), record.get("recipientAccountId")
    source = record.get("eventSource")
    if source == "s3.amazonaws.com" and params.get("bucketName"):
        bucket = params["bucketName"]
        return ["arn:aws:s3:::%s/%s" % (bucket, params["key"]), "arn:aws:s3:::%s" % bucket] if params.get("key") else ["arn:aws:s3:::%s" % bucket]
    if source == "dynamodb.amazonaws.com" and params.get("tableName"):
        return ["arn:aws:dynamodb:%s:%s:table/%s" % (region, account, params["tableName"])]
    if source == "sqs.amazonaws.com" and params.get("queueUrl"):
        return ["arn:aws:sqs:%s:%s:%s" % (region, account, params["queueUrl"].rstrip("/").rsplit("/", 1)[1])]
    if source == "secretsmanager.amazonaws.com" and params.get("secretId"):
        secret = params["secretId"]
        return [secret if secret.startswith("arn:") else "arn:aws:secretsmanager:%s:%s:secret:%s" % (region, account, secret)]
    if source == "ssm.amazonaws.com" and params.get("name"):
        return ["arn:aws:ssm:%s:%s:parameter/%s" % (region, account, params["name"].lstrip("/"))]
    return []


_DENIED = re.compile(r"User: (?P<principal>arn:\S+) is not authorized to perform: (?P<action>[\w-]+:\w+)"
                     r"(?: on resource: \"?(?P<resource>[^\"\s]+)\"?)?(?: (?:because|with an) (?P<why>.*))?")
_NOT_LOGGED = frozenset(["logs:PutLogEvents", "ses:SendEmail", "ses:SendRawEmail"])
_TYPES = {"s3.amazonaws.com": "AWS::S3::Object", "dynamodb.amazonaws.com": "AWS::DynamoDB::Table", "sqs.amazonaws.com": "AWS::SQS::Queue",
          "sns.amazonaws.com": "AWS::SNS::Topic", "lambda.amazonaws.com": "AWS::Lambda::Function"}


def data_event_resource_type(event_source, event_name):
    return _TYPES.get(event_source) if is_data_event(event_source, event_name) else None


def action_observability(action):
    if action in _NOT_LOGGED:
        return {"kind": "not_logged", "resource_types": []}
    prefix, _sep, name = action.partition(":")
    source = "%s.amazonaws.com" % prefix
    if action == "s3:ListBucket":
        name = "ListObjects"
    if is_data_event(source, name):
        return {"kind": "data", "resource_types": [_TYPES[source]]}
    return {"kind": "management", "resource_types": []}


def arn_matches(pattern, arn):
    regex = "^" + ".*".join(re.escape(part).replace("\\?", ".") for part in pattern.split("*")) + "$"
    if re.match(regex, arn):
        return True
    # A secret named without AWS's six-character suffix (the interface's rule).
    return ":secretsmanager:" in arn and ":secret:" in arn and re.match(regex, arn + "-XXXXXX") is not None


def parse_denied_message(text):
    match = _DENIED.search(text or "")
    if not match:
        return None
    principal = match.group("principal")
    role = re.match(r"arn:[^:]+:sts::\d+:assumed-role/([^/]+)/(.+)$", principal)
    why = match.group("why") or ""
    reason = "explicit_deny" if "explicit deny" in why else "no_allow" if "no " in why else "unknown"
    policy = re.search(r"(?:in an?|no) ([\w-]+(?: [\w-]+)?) policy", why)
    return {"principal": principal, "role": role.group(1) if role else None, "session": role.group(2) if role else None,
            "action": match.group("action"), "resource": match.group("resource"), "reason": reason,
            "policy_type": policy.group(1) + " policy" if policy else None, "policy_arn": None}


def install():
    """Put this module in place of the real one when that cannot be imported; returns the module in use."""
    try:
        return importlib.import_module(NAME)
    except ImportError:
        sys.modules[NAME] = sys.modules[__name__]
        return sys.modules[__name__]


def collections_overlay(root, repo):
    """An ANSIBLE_COLLECTIONS_PATH under ``root`` whose cerpac.ecs_iam is ``repo`` plus this stand-in as
    _usage_mapping.py, when the real module is not in ``repo``; ``None`` when it is (then nothing is overlaid)."""
    import os  # pylint: disable=import-outside-toplevel
    repo = str(repo)
    if os.path.exists(os.path.join(repo, "plugins", "module_utils", "_usage_mapping.py")):
        return None
    base = os.path.join(str(root), "ansible_collections")
    target = os.path.join(base, "cerpac", "ecs_iam")
    os.makedirs(os.path.join(target, "plugins", "module_utils"), exist_ok=True)
    os.symlink(os.path.join(repo, ".collections", "ansible_collections", "amazon"), os.path.join(base, "amazon"))
    for entry in os.listdir(repo):
        if entry not in ("plugins", ".collections", ".git", ".venv"):
            os.symlink(os.path.join(repo, entry), os.path.join(target, entry))
    for entry in os.listdir(os.path.join(repo, "plugins")):
        if entry != "module_utils":
            os.symlink(os.path.join(repo, "plugins", entry), os.path.join(target, "plugins", entry))
    for entry in os.listdir(os.path.join(repo, "plugins", "module_utils")):
        os.symlink(os.path.join(repo, "plugins", "module_utils", entry), os.path.join(target, "plugins", "module_utils", entry))
    with open(__file__, "rb") as source, open(os.path.join(target, "plugins", "module_utils", "_usage_mapping.py"), "wb") as out:
        out.write(source.read())
    return str(root)
