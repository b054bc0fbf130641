# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The escalation table is the union of pathfinding.cloud, cloudsplaining's PRIVILEGE_ESCALATION_METHODS and Rhino Security
Labs' list (issue 21 item 10): every method the two published lists name is found by the checker.

tests/unit/data/published_escalation_methods.json is a copy of the two lists' action sets (data only), with the commit
each was read at."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _escalation_methods as escalation
from ansible_collections.cerpac.ecs_iam.plugins.module_utils import _service_reference as reference
from ansible_collections.cerpac.ecs_iam.plugins.module_utils.grant_checks import check_policy

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "published_escalation_methods.json")
with open(DATA, encoding="utf-8") as handle:
    PUBLISHED = json.load(handle)

ROWS = [("%s:%s" % (name, method), tuple(actions)) for name in ("cloudsplaining", "rhino")
        for method, actions in sorted(PUBLISHED[name]["methods"].items())]
#: Published methods whose actions AWS's data no longer has (AWS CodeStar was discontinued in 2024): no policy can
#: grant them (the checker reports such actions as UNKNOWN_ACTION).
GONE = {"rhino:23", "rhino:24", "rhino:25"}


def test_the_copy_is_both_whole_lists():
    assert (len(PUBLISHED["cloudsplaining"]["methods"]), len(PUBLISHED["rhino"]["methods"])) == (59, 28)
    assert sorted(PUBLISHED["rhino"]["methods"], key=int) == [str(n) for n in range(1, 29)]


@pytest.mark.parametrize("name,actions", ROWS, ids=[row[0] for row in ROWS])
def test_every_published_method_is_in_the_table(name, actions):
    """Some entry of the table needs only actions of the published method (so granting the method is found)."""
    wanted = set(a.lower() for a in actions)
    covering = [m["id"] for m in escalation.METHODS if set(a.lower() for a in m["actions"]) <= wanted]
    assert covering, name


@pytest.mark.parametrize("name,actions", ROWS, ids=[row[0] for row in ROWS])
def test_every_published_method_is_reported(name, actions):
    """Granting exactly a published method's actions on "*" is PRIVILEGE_ESCALATION (or, for a service AWS no longer
    has, UNKNOWN_ACTION and nothing else to find)."""
    known = [reference.lookup_action(a) is not None for a in actions]
    findings = check_policy({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})
    codes = set(f["code"] for f in findings)
    if name in GONE:
        assert not all(known) and "UNKNOWN_ACTION" in codes and "PRIVILEGE_ESCALATION" not in codes
    else:
        assert all(known) and "PRIVILEGE_ESCALATION" in codes, (name, sorted(codes))


@pytest.mark.parametrize("method", escalation.METHODS, ids=[m["id"] for m in escalation.METHODS])
def test_each_entry_names_its_sources_exactly(method):
    """``sources`` names a published method only when that method has exactly the entry's actions."""
    assert method["sources"] or method["source"].startswith("http")
    mine = set(a.lower() for a in method["actions"])
    for source in method["sources"]:
        name, _sep, key = source.partition(":")
        assert name in escalation.LISTS, source
        if name == "pathfinding.cloud":
            assert method["source"] == escalation.SOURCE + key
        else:
            assert set(a.lower() for a in PUBLISHED[name]["methods"][key]) == mine, source


def test_table_additions_from_the_published_lists():
    """The methods issue 21 named as missing, each with the list it comes from."""
    by_actions = dict((frozenset(a.lower() for a in m["actions"]), m) for m in escalation.METHODS)
    assert by_actions[frozenset(["iam:setdefaultpolicyversion"])]["sources"] == (
        "cloudsplaining:SetExistingDefaultPolicyVersion", "rhino:2")
    assert by_actions[frozenset(["iam:passrole", "datapipeline:createpipeline"])]["sources"] == (
        "cloudsplaining:PassExistingRoleToNewDataPipeline",)
    assert by_actions[frozenset(["ecs:executecommand", "ecs:describetasks"])]["sources"] == ("cloudsplaining:ECSExecuteCommandOnRunningTask",)
