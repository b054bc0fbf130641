"""moto's server, with its one IAM deviation from AWS that our playbooks meet corrected.

moto 5.2's ``UpdateRole`` resets ``Description`` or ``MaxSessionDuration`` when a request leaves it out; AWS
keeps them. amazon.aws.iam_role updates each in its own call, so against plain moto a change of one of them
undoes the other and the role never converges. Everything else is moto as published.

    python tests/support/moto_server.py -H 127.0.0.1 -p 5000     # same arguments as `python -m moto.server`
"""

from moto.core.responses import EmptyResult
from moto.iam.responses import IamResponse
from moto.server import main


def update_role(self):
    """UpdateRole as AWS does it: only the fields the request carries change."""
    role = self.backend.get_role(self._get_param("RoleName"))
    description = self._get_param("Description")
    duration = self._get_param("MaxSessionDuration")
    if description is not None:
        role.description = description
    if duration is not None:
        role.max_session_duration = int(duration)
    return EmptyResult()


IamResponse.update_role = update_role

if __name__ == "__main__":
    main()
