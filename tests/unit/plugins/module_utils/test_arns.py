"""_arns: the one place ARNs are parsed and built; and no other file of plugins/ parses or builds one."""

import io
import pathlib
import re
import tokenize

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _arns

PLUGINS = pathlib.Path(__file__).resolve().parents[4] / "plugins"
# The catalogue is data: its ARN templates ("arn:{partition}:sqs:...") are filled by _grant_intents, not code.
DATA = {"module_utils/_arns.py", "module_utils/_grant_catalogue.py"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("arn:aws-us-gov:iam::123456789012:role/r", {"partition": "aws-us-gov", "service": "iam", "region": "", "account_id": "123456789012",
                                                     "resource": "role/r", "resource_type": "role", "resource_id": "r"}),
        ("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
         {"partition": "aws", "service": "iam", "region": "", "account_id": "aws", "resource": "policy/service-role/AmazonECSTaskExecutionRolePolicy",
          "resource_type": "policy", "resource_id": "service-role/AmazonECSTaskExecutionRolePolicy"}),
        ("arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/app:3",
         {"partition": "aws-cn", "service": "ecs", "region": "cn-north-1", "account_id": "123456789012", "resource": "task-definition/app:3",
          "resource_type": "task-definition", "resource_id": "app:3"}),
        ("not-an-arn", None),
        ("see arn:aws:iam::123456789012:role/r", None),  # amazon.aws's parse_aws_arn alone finds an ARN inside a text
        ("arn:other:iam::123456789012:role/r", None),
        (None, None),
    ],
)
def test_parse(text, expected):
    assert _arns.parse(text) == expected


@pytest.mark.parametrize(
    "text, partition, account",
    [
        ("arn:aws-cn:iam::123456789012:role/app", "aws-cn", "123456789012"),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", "aws", "aws"),
        ("arn:aws:s3:::bucket", "aws", ""),
        ("", None, None),
    ],
)
def test_partition_and_account_of(text, partition, account):
    assert (_arns.partition_of(text), _arns.account_of(text)) == (partition, account)


@pytest.mark.parametrize(
    "built, expected",
    [
        (_arns.role_arn("aws-cn", "123456789012", "/apps/", "r"), "arn:aws-cn:iam::123456789012:role/apps/r"),
        (_arns.role_arn("aws", "123456789012", None, "r"), "arn:aws:iam::123456789012:role/r"),
        (_arns.managed_policy_arn("aws-us-gov", "service-role/AmazonECSTaskExecutionRolePolicy"),
         "arn:aws-us-gov:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"),
        (_arns.arn("aws", "s3", None, None, "bucket/key"), "arn:aws:s3:::bucket/key"),
    ],
)
def test_build(built, expected):
    assert built == expected


@pytest.mark.parametrize(
    "text, fields",
    [
        ("arn:aws:s3:::b/*", ["arn", "aws", "s3", "", "", "b/*"]),
        ("arn:${aws:partition}:iam::*:user/${aws:username}", ["arn", "${aws:partition}", "iam", "", "*", "user/${aws:username}"]),
        ("arn:aws:ssm:eu-west-1:123456789012:parameter/a:b", ["arn", "aws", "ssm", "eu-west-1", "123456789012", "parameter/a:b"]),
        ("arn:aws:s3", None),
        ("arn:nope:s3:::b", None),
        ("arn:aws:s3:::b c", None),
    ],
)
def test_parse_policy_arn(text, fields):
    assert _arns.parse_policy_arn(text) == fields


# --- Structure: nobody else parses or builds an ARN ---------------------------------------------------------------

def arn_handling(source):
    """The lines of ``source`` (Python) that parse or build an ARN by hand: an ``arn:`` string literal that is a format
    (``%``, ``{}``, f-string), concatenated with ``+`` or a regular expression (``^arn:``, ``arn:(``); a ``split(":")``
    into all fields, or into more than two (``split(":", 5)``). A docstring or a string that is only compared with
    (``startswith("arn:")``) is no ARN handling."""
    found = set()
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)]
    for index, token in enumerate(tokens):
        text = token.string
        fstring_start = getattr(tokenize, "FSTRING_START", None) == token.type  # Python 3.12+: an f-string is several tokens
        if token.type == tokenize.STRING or fstring_start:
            body = re.sub(r"^[rRbBuUfF]*('''|\"\"\"|'|\")", "", text)
            if fstring_start:
                body = tokens[index + 1].string if index + 1 < len(tokens) else ""
                if body.startswith("arn:"):
                    found.add(token.start[0])
                continue
            if text[:3].lower() in ('"""', "'''") or re.match(r"^[rRuU]?('''|\"\"\")", text):
                continue  # docstrings and documentation
            is_format = re.search(r"%[-\d.]*[sdr]|\{", body) or re.match(r"^[rR]?[fF]|^[fF][rR]", text)
            following = tokens[index + 1].string if index + 1 < len(tokens) else ""
            if body.startswith(("arn:", "^arn:")) and (is_format or following in ("+", "%") or body.startswith("^")):
                found.add(token.start[0])
            elif re.match(r"^\^?arn:\(|^\^?arn:\[", body):
                found.add(token.start[0])
        elif text == "split" and index + 3 < len(tokens) and tokens[index + 1].string == "(" and tokens[index + 2].string in ('":"', "':'"):
            after = tokens[index + 3].string
            if after == ")" or (after == "," and tokens[index + 4].string.isdigit() and int(tokens[index + 4].string) > 1):
                found.add(token.start[0])
    return sorted(found)


CONTROL = '''
def f(partition, account, name, arn, resource):
    a = "arn:%s:iam::%s:role/%s" % (partition, account, name)
    b = f"arn:{partition}:iam::{account}:role/{name}"
    c = "arn:" + partition + ":s3:::" + name
    d = arn.split(":")[4]
    e = arn.split(":", 5)
    g = re.compile(r"^arn:(aws[a-z-]*):iam::(\\d{12}):role/(.+)$")
    h = "arn:{p}:sqs:{r}:{a}:{name}".format(p=partition, r="", a=account, name=name)
    return a, b, c, d, e, g, h
'''
ALLOWED = '''
def f(arn, action):
    """Builds arn:aws:iam::123456789012:role/x, %s in a docstring."""
    if arn.startswith("arn:"):
        return action.split(":", 1)[0]
    return arn[:4] == "arn:"
'''


def test_the_structure_check_sees_each_way_of_parsing_or_building_an_arn():
    # Positive control: every hand-made ARN of CONTROL is seen, one per line; nothing in ALLOWED is.
    assert arn_handling(CONTROL) == [3, 4, 5, 6, 7, 8, 9]
    assert arn_handling(ALLOWED) == []


def test_no_arn_is_parsed_or_built_outside_arns():
    offenders = []
    for path in sorted(PLUGINS.rglob("*.py")):
        relative = path.relative_to(PLUGINS).as_posix()
        if relative in DATA:
            continue
        offenders += ["plugins/%s:%d" % (relative, line) for line in arn_handling(path.read_text(encoding="utf-8"))]
    assert offenders == [], "parse and build ARNs with plugins/module_utils/_arns.py"
