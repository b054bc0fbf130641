"""cerpac.ecs_iam.role_changes: what a host reports of its role's plan in a deploy, a deploy --check and a verify
(issue 21, items 4 and 21: verify is read-only and speaks in the present tense; the diff names the role)."""

import pytest

PLAN = {
    "role_name": "staging-cerpac-ecs-task-role", "changed": True, "exists": True,
    "differences": ["staging-cerpac-ecs-task-role: inline policy extra is not declared"],
    "warnings": ["IAM role staging-cerpac-ecs-task-role: inline policy 'extra' is not declared; it will be removed"],
    "diff": {"before": {"inline_policies": {"extra": {}}}, "after": {"inline_policies": {}}},
}


@pytest.mark.parametrize("writes_follow, check_mode, changed, warned", [
    (True, False, False, True),    # deploy: the writes that follow report the change
    (True, True, True, True),      # deploy --check: this task says what would change
    (False, False, False, False),  # verify: nothing changes; the differences are the report
    (False, True, False, False),   # verify --check
], ids=["deploy", "deploy-check", "verify", "verify-check"])
def test_changed_and_warnings(action, writes_follow, check_mode, changed, warned):
    result = action("role_changes", {"plan": PLAN, "writes_follow": writes_follow}, check_mode=check_mode)
    assert result["changed"] is changed
    assert result.get("warnings", []) == (PLAN["warnings"] if warned else [])
    assert result["differences"] == PLAN["differences"]


def test_the_diff_names_the_role_and_its_sides(action):
    result = action("role_changes", {"plan": PLAN, "writes_follow": False}, diff=True)
    assert result["diff"] == dict(PLAN["diff"], before_header="staging-cerpac-ecs-task-role (live)",
                                  after_header="staging-cerpac-ecs-task-role (declared)")
