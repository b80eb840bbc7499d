#!/usr/bin/env python3
"""Checks the source layout the README promises (issue #26), one line per problem:

- no import circle between modules, in any crate: inside every module, its child modules
  (files and folders) must use each other in one direction only. An edge is a path in code
  (`use crate::a::b`, `use super::x`, `crate::a::f(..)`, `super::super::x`), not in comments,
  doc links or strings; it is resolved to the module file it names. A module may use its own
  children and descendants, and a child may use its parent's items: neither is a circle.
- no guest operation (`guest/src/ops/<op>`) uses another operation;
- no `.rs` file is over 500 lines.

Usage: scripts/check-layout.py [ROOT]   (ROOT: the workspace, default: this script's parent)
       scripts/check-layout.py --self-test
Exit 0 when the layout holds, 1 with the problems on stderr otherwise. Python 3 stdlib only.
"""

import os
import re
import sys
import tempfile

MAX_LINES = 500
CRATES = ["guest", "host", "commands", "server"]
OPS = ("ops",)
SKIP_DIRS = {"target", ".git", "node_modules", "out", ".venv", "venv"}


# ---------------------------------------------------------------- reading Rust source


def strip(text):
    """The code of `text` with comments, strings and char literals blanked out (newlines
    kept, so line numbers still hold)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        two = text[i : i + 2]
        if two == "//":
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif two == "/*":
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif re.match(r'(?:b?r#*")', text[i : i + 260]) and (i == 0 or not is_ident(text[i - 1])):
            m = re.match(r'b?r(#*)"', text[i:])
            close = '"' + m.group(1)
            j = text.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            out.append(blank(text[i:j]))
            i = j
        elif c == '"' or (two == 'b"' and (i == 0 or not is_ident(text[i - 1]))):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + 1)
            out.append(blank(text[i:j]))
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a): only literals blanked.
            m = re.match(r"'(?:\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'", text[i:])
            if m:
                out.append(blank(m.group(0)))
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_ident(c):
    return c.isalnum() or c == "_"


def blank(s):
    return "".join("\n" if ch == "\n" else " " for ch in s)


def use_leaves(tree):
    """The full paths of a use tree: `a::{b, c::{self, d}}` -> a::b, a::c, a::c::d."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    depth, split = 0, None
    for k, ch in enumerate(tree):
        if ch == "{":
            if depth == 0 and split is None:
                split = k
            depth += 1
        elif ch == "}":
            depth -= 1
    if split is None:
        return [tree] if tree else []
    prefix = tree[:split].rstrip(":").rstrip(":")
    inner = tree[split + 1 : tree.rfind("}")]
    parts, depth, start = [], 0, 0
    for k, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:k])
            start = k + 1
    parts.append(inner[start:])
    leaves = []
    for part in parts:
        if not part:
            continue
        for leaf in use_leaves(part):
            if leaf == "self":
                leaves.append(prefix)
            elif leaf == "*":
                leaves.append(prefix)
            else:
                leaves.append(f"{prefix}::{leaf}" if prefix else leaf)
    return leaves


USE = re.compile(r"\buse\s+([^;]*);")
PATH = re.compile(r"(?<![\w$])((?:crate|super|self)(?:\s*::\s*(?:super|[A-Za-z_]\w*))+)")
MOD_DECL = re.compile(r"^\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.M)
INLINE_MOD = re.compile(r"\bmod\s+\w+\s*\{")


def references(code):
    """(line, path text, inline-module depth) of every crate/super/self path in `code`."""
    found = []
    # Inline `mod x { .. }` blocks shift what `super` means inside them.
    depth_at = inline_depths(code)
    for m in USE.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        for leaf in use_leaves(m.group(1)):
            leaf = leaf.lstrip(":")
            if re.match(r"(crate|super|self)\b", leaf):
                found.append((line, leaf, depth_at(m.start())))
    rest = USE.sub(lambda m: blank(m.group(0)), code)
    rest = re.sub(r"pub\s*\(\s*in\s+[^)]*\)", lambda m: blank(m.group(0)), rest)
    for m in PATH.finditer(rest):
        line = rest.count("\n", 0, m.start()) + 1
        found.append((line, re.sub(r"\s+", "", m.group(1)), depth_at(m.start())))
    return found


def inline_depths(code):
    """A function: offset -> how many inline `mod x { }` blocks enclose it."""
    spans = []
    for m in INLINE_MOD.finditer(code):
        depth, j = 1, m.end()
        while j < len(code) and depth:
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
            j += 1
        spans.append((m.end(), j))
    return lambda offset: sum(1 for a, b in spans if a <= offset < b)


# ---------------------------------------------------------------- one crate's module tree


class Crate:
    """The module tree of one crate root (lib.rs, main.rs or a src/bin file): module path
    (a tuple of names) -> file."""

    def __init__(self, name, root_file):
        self.name = name
        self.files = {}
        self.walk((), root_file, is_dir_owner=True)

    def walk(self, path, file, is_dir_owner):
        self.files[path] = file
        try:
            text = open(file, encoding="utf-8").read()
        except OSError:
            return
        code = strip(text)
        here = os.path.dirname(file)
        if not is_dir_owner:
            here = os.path.join(here, os.path.splitext(os.path.basename(file))[0])
        for m in MOD_DECL.finditer(code):
            child = m.group(1)
            flat = os.path.join(here, child + ".rs")
            nested = os.path.join(here, child, "mod.rs")
            if os.path.isfile(flat):
                self.walk(path + (child,), flat, is_dir_owner=False)
            elif os.path.isfile(nested):
                self.walk(path + (child,), nested, is_dir_owner=True)

    def resolve(self, source, inline_depth, text):
        """The module a path in `source` names (the deepest module file it goes through)."""
        segments = text.split("::")
        if segments[0] == "crate":
            at, rest = (), segments[1:]
        else:
            at, rest = source, segments
            # `super` inside an inline `mod tests {}` first leaves the inline module.
            skip = inline_depth
            while rest and rest[0] in ("self", "super"):
                if rest[0] == "super":
                    if skip:
                        skip -= 1
                    elif at:
                        at = at[:-1]
                rest = rest[1:]
        for name in rest:
            if at + (name,) in self.files:
                at = at + (name,)
            else:
                break
        return at

    def edges(self):
        """(source module, target module, file, line, path text) for every path in code."""
        for source, file in self.files.items():
            code = strip(open(file, encoding="utf-8").read())
            for line, text, depth in references(code):
                target = self.resolve(source, depth, text)
                if target != source and target[: len(source)] != source:
                    yield source, target, file, line, text


def show(path):
    return "crate" + "".join("::" + p for p in path)


def circles(crate, root_dir):
    """One line per circle between the children of any module of `crate`."""
    by_level = {}
    for source, target, file, line, text in crate.edges():
        common = 0
        while common < min(len(source), len(target)) and source[common] == target[common]:
            common += 1
        # The two modules under their closest common ancestor; none when one contains the
        # other (a child using its parent's items).
        if common == len(source) or common == len(target):
            continue
        parent = source[:common]
        a, b = source[: common + 1], target[: common + 1]
        witness = f"{os.path.relpath(file, root_dir)}:{line} `{text}`"
        by_level.setdefault(parent, {}).setdefault(a, {}).setdefault(b, witness)
    problems = []
    for parent, graph in sorted(by_level.items()):
        for scc, cycle in find_cycles(graph):
            steps = ", ".join(
                f"{show(x)} → {show(y)} ({graph[x][y]})" for x, y in zip(cycle, cycle[1:] + cycle[:1])
            )
            members = " → ".join(show(x) for x in cycle + cycle[:1])
            tangle = ""
            if len(scc) > len(cycle):
                names = ", ".join(show(x) for x in sorted(scc))
                tangle = f" (one of the circles tangling {len(scc)} modules: {names})"
            problems.append(f"{crate.name}: import circle {members}{tangle}: {steps}")
    return problems


def find_cycles(graph):
    """(component, one shortest cycle in it) per strongly connected component with more than
    one module."""
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, {})):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(set(scc))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            connect(v)
    cycles = []
    for scc in sccs:
        start = min(scc)
        # Shortest way back to `start` inside the component (breadth first).
        came = {start: None}
        queue = [start]
        found = None
        while queue and found is None:
            v = queue.pop(0)
            for w in sorted(graph.get(v, {})):
                if w not in scc:
                    continue
                if w == start:
                    found = v
                    break
                if w not in came:
                    came[w] = v
                    queue.append(w)
        cycle = [found]
        while came[cycle[-1]] is not None:
            cycle.append(came[cycle[-1]])
        cycles.append((scc, list(reversed(cycle))))
    return sorted(cycles, key=lambda c: c[1])


def op_imports(crate, root_dir):
    """One line per guest operation that uses another operation."""
    problems, seen = [], set()
    for source, target, file, line, text in crate.edges():
        if len(source) >= 2 and len(target) >= 2 and source[:1] == target[:1] == OPS:
            if source[1] != target[1] and (source[1], target[1]) not in seen:
                seen.add((source[1], target[1]))
                problems.append(
                    f"{crate.name}: operation ops::{source[1]} uses operation ops::{target[1]}"
                    f" ({os.path.relpath(file, root_dir)}:{line} `{text}`)"
                )
    return problems


def long_files(root_dir):
    problems = []
    for dirpath, dirnames, filenames in os.walk(root_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for f in sorted(filenames):
            if f.endswith(".rs"):
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    lines = sum(1 for _ in fh)
                if lines > MAX_LINES:
                    rel = os.path.relpath(path, root_dir)
                    problems.append(f"{rel}: {lines} lines (at most {MAX_LINES})")
    return problems


def roots(crate_dir):
    src = os.path.join(crate_dir, "src")
    found = [os.path.join(src, f) for f in ("lib.rs", "main.rs") if os.path.isfile(os.path.join(src, f))]
    bin_dir = os.path.join(src, "bin")
    if os.path.isdir(bin_dir):
        for f in sorted(os.listdir(bin_dir)):
            if f.endswith(".rs"):
                found.append(os.path.join(bin_dir, f))
            elif os.path.isfile(os.path.join(bin_dir, f, "main.rs")):
                found.append(os.path.join(bin_dir, f, "main.rs"))
    return found


def check(root_dir, crates=CRATES):
    problems = []
    for name in crates:
        for root_file in roots(os.path.join(root_dir, name)):
            label = os.path.relpath(root_file, root_dir)
            crate = Crate(label, root_file)
            problems += circles(crate, root_dir)
            if name == "guest":
                problems += op_imports(crate, root_dir)
    return problems + long_files(root_dir)


# ---------------------------------------------------------------- self-test


def plant(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


CLEAN = {
    "host/src/main.rs": "mod a;\nmod b;\nmod c;\nfn main() { a::f(); }\n",
    "host/src/a/mod.rs": "//! Uses [`crate::b`] in a doc link only.\npub mod inner;\nuse crate::c::g;\n"
    'pub fn f() { let _ = "crate::b::h"; g(); inner::k(); }\n',
    "host/src/a/inner.rs": "use super::super::c;\npub fn k() { c::g() }\n"
    "#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::f;\n}\n",
    "host/src/b.rs": "// crate::a::f() in a comment\nuse crate::c;\npub fn h() { crate::a::f(); c::g() }\n",
    "host/src/c.rs": "/* crate::b::h */\npub fn g() { let _ = 'c'; let _ = r#\"super::b\"#; }\n",
    "guest/src/lib.rs": "mod ops;\nmod text;\n",
    "guest/src/ops/mod.rs": "mod list;\nmod show;\n",
    "guest/src/ops/list.rs": "use crate::text::fmt;\n",
    "guest/src/ops/show/mod.rs": "mod render;\n",
    "guest/src/ops/show/render.rs": "use crate::text;\nuse super::super::super::text::fmt;\n",
    "guest/src/text/mod.rs": "pub mod fmt;\n",
    "guest/src/text/fmt.rs": "pub fn f() {}\n",
}

PLANTED = [
    # A circle between two files, one side through a call path, not a use.
    ({"host/src/c.rs": "pub fn g() { crate::b::h() }\n"}, "host/src/main.rs: import circle crate::a → crate::c → crate::b → crate::a"),
    # A circle between two folders, through a file deep inside one of them.
    ({"host/src/c.rs": "use crate::a::inner::k;\npub fn g() {}\n"}, "import circle crate::a → crate::c → crate::a"),
    # An operation that uses another one.
    (
        {"guest/src/ops/show/render.rs": "use crate::ops::list;\n"},
        "guest/src/lib.rs: operation ops::show uses operation ops::list",
    ),
    # A long file.
    ({"server/src/lib.rs": "\n" * 501}, "server/src/lib.rs: 501 lines (at most 500)"),
]


def self_test():
    failures = []
    with tempfile.TemporaryDirectory() as root:
        plant(root, CLEAN)
        got = check(root)
        if got:
            failures.append(f"a clean tree fails: {got}")
    for changes, expected in PLANTED:
        with tempfile.TemporaryDirectory() as root:
            plant(root, CLEAN)
            plant(root, changes)
            got = check(root)
            if not any(expected in line for line in got):
                failures.append(f"planted {sorted(changes)}: want a line with `{expected}`, got {got}")
    for f in failures:
        print(f"check-layout self-test: {f}", file=sys.stderr)
    if not failures:
        print(f"check-layout self-test: ok (1 clean tree, {len(PLANTED)} planted problems found)")
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print("usage: check-layout.py [ROOT] | --self-test", file=sys.stderr)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = check(root)
    for p in problems:
        print(f"check-layout: {p}", file=sys.stderr)
    if problems:
        print(f"check-layout: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check-layout: ok (no import circle, no operation using another, no file over 500 lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
