# -*- coding: utf-8 -*-
"""A callback for bench/where_time_goes.py: the wall time of each task of a run (from its start to the next task's
or the play's end), written as JSON ``[[task name, seconds], ...]`` to ``$TASK_SECONDS_OUT`` at the end of the run."""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_seconds
type: aggregate
short_description: the wall time of each task, for bench/where_time_goes.py
description: Writes [[task name, seconds], ...] to $TASK_SECONDS_OUT.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_seconds"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.rows = []
        self.current = None

    def _close(self):
        if self.current:
            self.rows.append((self.current[0], time.monotonic() - self.current[1]))
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current = (task.get_name(), time.monotonic())

    def v2_playbook_on_play_start(self, play):
        self._close()

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ["TASK_SECONDS_OUT"], "w", encoding="utf-8") as handle:
            json.dump(self.rows, handle)
