# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Adopt, step 3: the inventory's YAML files (block style, policies kept verbatim: ``!unsafe`` where Ansible would
template them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from collections.abc import Mapping

try:
    import yaml
except ImportError:  # only rendering the inventory's YAML needs it; ansible-core always ships it
    yaml = None


#: What Ansible would template in a string (written !unsafe so policies stay verbatim).
_JINJA_RE = re.compile(r"\{\{|\{%|\{#")


class _Template(str):
    """A string the inventory means as a Jinja template (written as is)."""


class _Unsafe(str):
    """A string that must never be templated (written with the !unsafe tag)."""


def _protect(value):
    """Mark strings that Ansible would template (``{{``, ``{%``, ``{#``) as !unsafe, so policies stay verbatim."""
    if isinstance(value, _Template):
        return str(value)
    if isinstance(value, str):
        return _Unsafe(value) if _JINJA_RE.search(value) else value
    if isinstance(value, Mapping):
        return {_protect(key): _protect(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_protect(item) for item in value]
    return value


if yaml is not None:
    class _Dumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
        """Block style, lists indented under their key, no anchors, !unsafe where needed."""

        def ignore_aliases(self, data):
            return True

        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)

    _Dumper.add_representer(_Unsafe, lambda dumper, data: dumper.represent_scalar("!unsafe", str(data)))
else:  # pragma: no cover
    _Dumper = None


def yaml_text(comments, data):
    """One inventory file: ``---``, the comments, the data in block style."""
    if yaml is None:  # pragma: no cover
        raise RuntimeError("PyYAML is required to write the inventory")
    header = ["---"] + [("# " + line).rstrip() for line in comments]
    body = yaml.dump(_protect(data), Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True, width=4096)
    body = body.replace(": null\n", ":\n")
    return "\n".join(header) + "\n" + body


def inventory_texts(inventory):
    """{relative path: file text} for what :func:`adopt` returned."""
    return {path: yaml_text(item["comments"], item["data"]) for path, item in sorted(inventory.items())}
