# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the collection's action plugins share: the prologue of a controller-side action and the one-step file write.

``ControllerAction``
    an ``ActionBase`` that runs on the controller only (no connection, no file transfer): its ``run`` checks the task's
    arguments against the class's ``ARGUMENT_SPEC`` (Ansible's own validation: a wrong type or an unknown argument fails
    the task naming it; ``refuse_before_arguments`` may refuse first) and calls ``act(args, result, task_vars)``, which fills and returns the result dict.
``write_atomically(path, text, prefix, mode=None)``
    replaces a file in one step (a reader never sees half of it): a temporary file beside it, renamed into place; the
    folder is made when missing. ``mode`` ``None`` keeps the mode of a file already there (``0o644`` for a new one).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    """An action that only computes on the controller: subclasses set ``ARGUMENT_SPEC`` and write ``act``."""

    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENT_SPEC = {}

    def run(self, tmp=None, task_vars=None):
        result = super(ControllerAction, self).run(tmp, task_vars)
        refused = self.refuse_before_arguments(task_vars or {})
        if refused:
            result.update(refused)
            return result
        dummy, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        return self.act(args, result, task_vars or {})

    def refuse_before_arguments(self, task_vars):
        """A failed result to return before the task's own arguments are checked (``declare_role``: the role's
        variables against its argument spec come first), or ``None``."""
        return None

    def act(self, args, result, task_vars):
        """Fill ``result`` from the validated ``args`` and return it."""
        raise NotImplementedError


def write_atomically(path, text, prefix, mode=None):
    """Replace the file at ``path`` with ``text`` in one step (see the module's docstring)."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    if mode is None:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    handle, temporary = tempfile.mkstemp(prefix=prefix, dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(to_bytes(text))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
