# -*- coding: utf-8 -*-

# Copyright (c) 2025, cerpac platform engineering
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What differs between a live policy document and its declaration, said in the present tense, one line per
statement (a person reads which statement is extra or missing, not two documents on one line); and the deployer's
PassRole policy judged against its declaration (playbooks/verify.yml).

Plain functions over plain data; private to the collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

_LISTS = ("Action", "NotAction", "Resource", "NotResource")


def _load(document):
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError:
            return document
    return document


def _sorted_values(value):
    if isinstance(value, (list, tuple)):
        return sorted((_sorted_values(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, dict):
        return dict((key, _sorted_values(item)) for key, item in value.items())
    return value


def normal_statement(statement):
    """A statement as IAM compares it: single values as one-element lists, lists sorted (order means nothing)."""
    if not isinstance(statement, dict):
        return statement
    normal = {}
    for key, value in statement.items():
        if key in _LISTS:
            value = sorted(set(str(item) for item in (value if isinstance(value, list) else [value])))
        elif key == "Condition" and isinstance(value, dict):
            value = dict((operator, dict((name, sorted(set(str(item) for item in (values if isinstance(values, list) else [values]))))
                                         for name, values in block.items()) if isinstance(block, dict) else block)
                         for operator, block in value.items())
        else:
            value = _sorted_values(value)
        normal[key] = value
    return normal


def _statements(document):
    document = _load(document)
    if not isinstance(document, dict):
        return None
    statements = document.get("Statement", [])
    return [normal_statement(item) for item in (statements if isinstance(statements, list) else [statements])]


def _text(value):
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def statement_lines(subject, live, declared):
    """``["<subject> has a statement not declared: {...}", "<subject> lacks the declared statement: {...}"]``, one
    line per statement that is only on one side; ``[]`` when both documents hold the same statements. A document that
    is not readable, or that differs only outside its statements (its Version), is said in one line."""
    live_statements, declared_statements = _statements(live), _statements(declared)
    if live_statements is None or declared_statements is None:
        return ["%s is %s, declared %s" % (subject, _text(_load(live)), _text(_load(declared)))]
    lines = []
    remaining = list(declared_statements)
    extra = []
    for statement in live_statements:
        if statement in remaining:
            remaining.remove(statement)
        else:
            extra.append(statement)
    lines += ["%s has a statement not declared: %s" % (subject, _text(statement)) for statement in extra]
    lines += ["%s lacks the declared statement: %s" % (subject, _text(statement)) for statement in remaining]
    if not lines:
        live_rest = dict((key, value) for key, value in _load(live).items() if key != "Statement")
        declared_rest = dict((key, value) for key, value in _load(declared).items() if key != "Statement")
        if live_rest != declared_rest:
            lines.append("%s has %s, declared %s" % (subject, _text(live_rest), _text(declared_rest)))
    return lines


def passrole_differences(declaration, deployer_found, live_document):
    """What differs between the deployer's live PassRole policy and ``declaration`` (ecs_deployer_passrole_outputs:
    ``policy_name``, ``deployer`` ``{type, name}`` or None, ``state``, ``document``), in the present tense.

    ``deployer_found``: whether the deployer exists; ``live_document``: its inline policy of that name (a mapping or
    JSON text), or None when it has none. ``[]`` when nothing differs or no deployer is named (nobody holds it)."""
    deployer = declaration.get("deployer")
    if not deployer:
        return []
    who = "deployer %s %s" % (deployer.get("type"), deployer.get("name"))
    name = declaration.get("policy_name")
    present = declaration.get("state", "present") == "present"
    if not deployer_found:
        return ["%s: does not exist, and the inventory names it to hold the PassRole policy %s" % (who, name)] if present else []
    if live_document is None:
        return ["%s: inline policy %s is missing" % (who, name)] if present else []
    if not present:
        return ["%s: inline policy %s exists, but the declaration says absent" % (who, name)]
    return statement_lines("%s: inline policy %s" % (who, name), live_document, declaration.get("document"))
