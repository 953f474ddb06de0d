"""`rmapsmt fmt`: the canonical layout of a spec, changing nothing but whitespace.

Indentation is two spaces per open brace (a line that starts by closing one is
indented at the outer level; a continuation line keeps its extra indentation
relative to its block's first line), tabs become spaces, trailing whitespace goes, the
file ends with exactly one newline. Lines are never joined, split or removed, so
line numbers (and what the tool prints about them) stay the same; comments are
kept as written, and the inside of a block comment is left alone. Braces inside
comments do not count.
"""

from __future__ import annotations

INDENT = "  "


def _braces(code: str, in_block: bool) -> tuple[int, int, bool]:
    """(closes before any open, net depth change, still inside a block comment) of a line."""
    i, depth, lead, seen_open = 0, 0, 0, False
    while i < len(code):
        if in_block:
            end = code.find("*/", i)
            if end < 0:
                return lead, depth, True
            in_block, i = False, end + 2
            continue
        two = code[i:i + 2]
        if two == "//":
            break
        if two == "/*":
            in_block, i = True, i + 2
            continue
        ch = code[i]
        if ch == "{":
            depth += 1
            seen_open = True
        elif ch == "}":
            depth -= 1
            if not seen_open and depth < 0:
                lead = max(lead, -depth)
        i += 1
    return lead, depth, in_block


def layout(text: str) -> str:
    out: list[str] = []
    depth = 0
    in_block = False
    base: dict[int, int] = {}  # each open block's indentation in the input (its first line)
    for raw in text.replace("\t", "    ").split("\n"):
        line = raw.rstrip()
        if in_block:  # inside a block comment: as written
            out.append(line)
            _, change, in_block = _braces(line, True)
            depth = max(0, depth + change)
            continue
        body = line.lstrip()
        lead, change, in_block = _braces(body, False)
        level = max(0, depth - lead)
        if body:
            had = len(line) - len(body)
            base.setdefault(level, had)
            # a continuation line keeps its extra indentation relative to its block
            extra = max(0, had - base[level]) if lead == 0 else 0
            out.append(INDENT * level + " " * extra + body)
        else:
            out.append("")
        new_depth = max(0, depth + change)
        for d in [d for d in base if d > new_depth]:
            del base[d]  # blocks closed: the next one at that depth sets its own base
        depth = new_depth
    return "\n".join(out).rstrip("\n") + "\n"
