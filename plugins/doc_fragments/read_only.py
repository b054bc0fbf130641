# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    """The attributes of the collection's modules that never change anything (they read AWS, or only compute)."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the same result as in a normal run.
    support: full
    details: The module never changes anything, so check mode makes no difference to what it does.
  idempotent:
    description: Running it again with the same input gives the same result.
    support: full
    details: The module never changes anything; C(changed) reports a finding, never a change it made.
"""

    # Beside it, for a module with nothing to show in diff mode (cerpac.ecs_iam.read_only.no_diff).
    NO_DIFF = r"""
options: {}
attributes:
  diff_mode:
    description: Nothing changes, so there is nothing to show.
    support: none
"""
