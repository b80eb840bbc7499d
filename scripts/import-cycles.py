"""Import circles between the modules of a Rust crate: `scripts/import-cycles.py server/src`.

A module is a file (`x.rs`, `x/mod.rs`; `lib.rs`/`main.rs` is the crate root). Its edges are
the `crate::` and `super::` paths it names outside comments and `#[cfg(test)]` blocks, each
resolved to the deepest module it reaches; a module naming its own descendants is no edge
(a module may use its children). Prints every set of modules that reach each other and
exits 1 if there is one; `-v` prints the edges too.
"""
import os
import re
import sys


def modules(root):
    found = {}
    for directory, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            parts = os.path.relpath(os.path.join(directory, name), root)[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            found["::".join(parts)] = os.path.join(directory, name)
    return found


def without_tests_and_comments(text):
    while "#[cfg(test)]" in text:
        start = text.index("#[cfg(test)]")
        depth, end = 0, text.index("{", start)
        while True:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
            end += 1
        text = text[:start] + text[end + 1 :]
    return "\n".join(l for l in text.split("\n") if not l.strip().startswith("//"))


def named_paths(text):
    for group in re.finditer(r"\b(crate|super)::((?:\w+::)*)\{([^}]*)\}", text):
        for item in group.group(3).split(","):
            item = item.strip().split(" as ")[0]
            if item:
                yield group.group(1), group.group(2) + item
    for path in re.finditer(r"\b(crate|super)::((?:\w+::)*\w+)\b(?!::)", text):
        yield path.group(1), path.group(2)


def edges(mods):
    def resolve(path):
        parts = path.replace("::self", "").split("::")
        for n in range(len(parts), 0, -1):
            if "::".join(parts[:n]) in mods:
                return "::".join(parts[:n])
        return ""

    out = set()
    for module, path in mods.items():
        with open(path) as f:
            text = without_tests_and_comments(f.read())
        for kind, named in named_paths(text):
            if kind == "super":
                named = "::".join(module.split("::")[:-1] + [named])
            target = resolve(named)
            if target != module and not (module == "" or target.startswith(module + "::")):
                out.add((module, target))
    return out


def circles(mods, graph):
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w or "crate")
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in mods:
        if v not in index:
            visit(v)
    return found


def main():
    mods = modules(sys.argv[1])
    found_edges = edges(mods)
    graph = {}
    for a, b in found_edges:
        graph.setdefault(a, set()).add(b)
    if "-v" in sys.argv:
        for a, b in sorted(found_edges):
            print(f"{a or 'crate'} -> {b or 'crate'}")
    found = circles(mods, graph)
    for component in found:
        print("import circle: " + ", ".join(component))
    if not found:
        print(f"no import circle among {len(mods)} modules")
    sys.exit(1 if found else 0)


main()
