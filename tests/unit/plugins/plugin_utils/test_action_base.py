"""_action_base: the action plugins' one prologue, and the one-step file write."""

import importlib
import os
import pathlib

import pytest

from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import ControllerAction
from ansible_collections.cerpac.ecs_iam.plugins.plugin_utils._action_base import write_atomically
from tests.unit.plugins.action.conftest import run_action

ACTIONS = sorted(path.stem for path in (pathlib.Path(__file__).resolve().parents[4] / "plugins" / "action").glob("*.py"))
#: Runs a module on the target with the run's identity filled in: it needs the connection the others do without.
RUNS_A_MODULE = ("run_lock",)


@pytest.mark.parametrize("name", ACTIONS)
def test_every_controller_action_has_the_shared_prologue_and_no_copy_of_it(name):
    action = importlib.import_module("ansible_collections.cerpac.ecs_iam.plugins.action.%s" % name).ActionModule
    if name in RUNS_A_MODULE:
        assert not issubclass(action, ControllerAction)
        return
    assert issubclass(action, ControllerAction)
    assert "run" not in vars(action), "%s: write act(), the prologue is ControllerAction.run" % name
    assert action.ARGUMENT_SPEC, "%s: declare the arguments in ARGUMENT_SPEC" % name


@pytest.mark.parametrize(
    "args, words",
    [
        ({"grants": [], "region": "eu-west-1", "account_id": "123456789012", "colour": "red"}, "colour"),  # unknown argument
        ({"grants": "sqs", "region": "eu-west-1", "account_id": "123456789012"}, "grants"),  # wrong type
        ({"region": "eu-west-1", "account_id": "123456789012"}, "grants"),  # missing
    ],
)
def test_the_prologue_refuses_bad_arguments_naming_them(args, words):
    result = run_action("render_grants", args)
    assert result.get("failed") is True and words in result["msg"], result


@pytest.mark.parametrize(
    "existing_mode, mode, expected",
    [
        (None, None, 0o644),  # a new file
        (0o600, None, 0o600),  # kept
        (0o600, 0o644, 0o644),  # given
    ],
)
def test_write_atomically_replaces_the_file_and_sets_its_mode(tmp_path, existing_mode, mode, expected):
    path = tmp_path / "sub" / "page.md"
    if existing_mode is not None:
        path.parent.mkdir()
        path.write_text("old")
        os.chmod(path, existing_mode)
    write_atomically(str(path), "new\n", ".page-", mode=mode)
    assert (path.read_text(), os.stat(path).st_mode & 0o7777, sorted(os.listdir(path.parent))) == ("new\n", expected, ["page.md"])
