"""The positive control of the integration tests' zero-write checks.

A `writes == []` (or `calls.actions == []`) check passes as well when the recorder saw nothing or the classifier
missed the writes. So each test module that makes such checks also runs tests/support/write_control.yml, two
known writes made on purpose (CreateRole, then PutRolePolicy on that role, with amazon.aws's own modules, not
our roles), through the same fixture and recorder as its checks, and asserts it sees exactly CONTROL_WRITES:

    def test_control_of_the_zero_write_checks_sees_known_writes(playbook):
        from tests.support.write_control import CONTROL_PLAYBOOK, CONTROL_WRITES
        run = playbook(CONTROL_PLAYBOOK)
        assert run.rc == 0, run.output
        assert run.writes == CONTROL_WRITES and run.calls.unparsed == [], run.calls
"""

import pathlib

from tests.support.reliability import ANSIBLE_PLAYBOOK, REPO

CONTROL_PLAYBOOK = str(pathlib.Path(__file__).with_name("write_control.yml"))
#: What the control playbook writes, in order (its reads, GetRole and List*, are not writes).
CONTROL_WRITES = ["CreateRole", "PutRolePolicy"]


def control_command(inventory="staging"):
    """ansible-playbook's command line for the control, for tests that run playbooks without the `playbook` fixture."""
    return [ANSIBLE_PLAYBOOK, "-i", str(REPO / "inventories" / inventory), CONTROL_PLAYBOOK]
