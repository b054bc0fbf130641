"""A strict grammar of the Mermaid subset the access page emits, checked line by line in pure Python.

Stricter than Mermaid on purpose: whatever passes here is a flowchart that Mermaid (and so GitHub and
GitLab) draws the way we mean, and a label can never be cut short or read as syntax. The subset:

    flowchart LR
    subgraph <id>["<label>"]            ... end        (balanced, ids unique)
    <id>["<label>"] | <id>(["<label>"]) | <id>[["<label>"]]     (each node declared once)
    <id> --> <id>  or  <id> ==>|"<label>"| <id>     (either arrow, label optional; both ends declared)

Ids are a letter then letters, digits and ``_``, never a Mermaid keyword. Labels are always double-quoted,
never empty, and hold no ``"``, ``|``, ``&``, ``<``/``>`` (except ``<br>``) or ``#`` (except entity codes
such as ``#quot;`` and ``#35;``).
"""

import re

KEYWORDS = {"end", "subgraph", "flowchart", "graph", "style", "classdef", "class", "click", "linkstyle", "direction", "default"}
ID = r"[A-Za-z][A-Za-z0-9_]*"
LABEL = r'"([^"]*)"'
SHAPES = (r"\[%s\]" % LABEL, r"\(\[%s\]\)" % LABEL, r"\[\[%s\]\]" % LABEL)
NODE_RE = re.compile(r"^(%s)(?:%s)$" % (ID, "|".join(SHAPES)))
EDGE_RE = re.compile(r"^(%s) (-->|==>)(?:\|%s\|)? (%s)$" % (ID, LABEL, ID))
SUBGRAPH_RE = re.compile(r"^subgraph (%s)\[%s\]$" % (ID, LABEL))
HEADER_RE = re.compile(r"^flowchart (LR|RL|TB|TD|BT)$")
_LABEL_TEXT = re.compile(r"^(?:[^\"|&<>#]|<br>|#[A-Za-z]+;|#[0-9]+;)+$")


def _label_error(label):
    if label is None:
        return None
    if not label.strip():
        return "empty label"
    if not _LABEL_TEXT.match(label):
        return "label %r holds a character Mermaid reads as syntax (\" | & < > # are written as entity codes)" % label
    return None


def grammar_errors(text):
    """Every way ``text`` (one diagram, without the fences) leaves the subset: ``["line N: problem: text"]``."""
    errors = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not HEADER_RE.match(lines[0]):
        errors.append("line 1: expected 'flowchart LR' (or RL, TB, TD, BT): %r" % (lines[0] if lines else ""))
    nodes = {}
    subgraphs = {}
    open_subgraphs = []
    edges = []
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()

        def bad(problem, number=number, raw=raw):
            errors.append("line %d: %s: %r" % (number, problem, raw))

        if not line or line.startswith("%%"):
            continue
        if line == "end":
            if not open_subgraphs:
                bad("'end' without an open subgraph")
            else:
                open_subgraphs.pop()
            continue
        match = SUBGRAPH_RE.match(line)
        if match:
            ident, label = match.group(1), match.group(2)
            open_subgraphs.append(ident)
            if ident.lower() in KEYWORDS:
                bad("subgraph id %r is a Mermaid keyword" % ident)
            if ident in subgraphs or ident in nodes:
                bad("id %r is declared twice" % ident)
            subgraphs[ident] = number
            if _label_error(label):
                bad(_label_error(label))
            continue
        if line.startswith("subgraph"):
            bad("subgraph without an id and a quoted label")
            continue
        match = EDGE_RE.match(line)
        if match:
            edges.append((number, raw, match.group(1), match.group(4)))
            if _label_error(match.group(3)):
                bad(_label_error(match.group(3)))
            continue
        match = NODE_RE.match(line)
        if match:
            ident = match.group(1)
            label = next(group for group in match.groups()[1:] if group is not None)
            if ident.lower() in KEYWORDS:
                bad("node id %r is a Mermaid keyword" % ident)
            if ident in nodes or ident in subgraphs:
                bad("id %r is declared twice" % ident)
            nodes[ident] = number
            if _label_error(label):
                bad(_label_error(label))
            continue
        if re.search(r"-[-.=]*>|=+>|--", line):
            bad("not an edge of the subset: an edge is <id> --> <id> or <id> ==>|\"label\"| <id>")
        else:
            bad("neither a node with a quoted label, a subgraph, 'end' nor an edge")
    for ident in open_subgraphs:
        errors.append("line %d: subgraph %r is never closed with 'end'" % (subgraphs[ident], ident))
    for number, raw, source, target in edges:
        for end in (source, target):
            if end not in nodes and end not in subgraphs:
                errors.append("line %d: %r is neither a declared node nor a subgraph: %r" % (number, end, raw))
    return errors


def mermaid_blocks(markdown):
    """The text of each ```mermaid block of a Markdown page, in order."""
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)
