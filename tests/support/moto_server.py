"""moto's server, with its one IAM deviation from AWS that our playbooks meet corrected.

moto 5.2's ``UpdateRole`` resets ``Description`` or ``MaxSessionDuration`` when a request leaves it out; AWS
keeps them. amazon.aws.iam_role updates each in its own call, so against plain moto a change of one of them
undoes the other and the role never converges. Everything else is moto as published.

moto 5.2.5's S3 honours ``If-None-Match: *`` on ``PutObject`` as S3 does (the run lock relies on it). With
``MOTO_S3_IGNORE_IF_NONE_MATCH=true`` in its environment the server ignores that header instead, like an S3-compatible
endpoint without conditional writes: the negative control of the run lock's fail-closed check.

    python tests/support/moto_server.py -H 127.0.0.1 -p 5000     # same arguments as `python -m moto.server`
"""

import os

from moto.core.responses import EmptyResult
from moto.iam.responses import IamResponse
from moto.s3.responses import S3Response
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


def ignoring_if_none_match(put_object):
    """PutObject as an endpoint without conditional writes answers it: the If-None-Match header is dropped."""

    def put(self):
        self.headers = dict((key, value) for key, value in self.headers.items() if key.lower() != "if-none-match")
        return put_object(self)

    return put


if os.environ.get("MOTO_S3_IGNORE_IF_NONE_MATCH") == "true":
    S3Response.put_object = ignoring_if_none_match(S3Response.put_object)

if __name__ == "__main__":
    main()
