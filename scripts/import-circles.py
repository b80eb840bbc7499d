#!/usr/bin/env python3
"""Import circles between the modules of one crate's source folder.

Usage: scripts/import-circles.py guest/src [-v]

A module is a file (`x.rs`, or `x/mod.rs` for the folder; `lib.rs`/`main.rs` is the crate).
An edge A -> B is a `use` path of A (crate::, super::, self:: or a child module's name) or an
inline `crate::`/`super::` path that names module B (the longest module prefix of the path),
outside A's `#[cfg(test)] mod tests`. Doc links do not count. Prints each circle (a strongly
connected set of modules) with its edges and exits 1 when there is one; `-v` also prints
every module's edges.
"""
import os, re, sys
root = sys.argv[1]
mods = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs') or '/bin' in d: continue
        p = os.path.relpath(os.path.join(d, f), root)[:-3].split('/')
        if p[-1] in ("mod", "lib", "main"): p = p[:-1]
        mods[tuple(p)] = os.path.join(d, f)
def expand(s):
    s = s.strip()
    m = re.match(r'^(.*?)\{(.*)\}$', s, re.S)
    if not m: return [s]
    pre, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ''
    for ch in inner:
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        if ch == ',' and depth == 0: parts.append(cur); cur = ''
        else: cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip(): out += [pre + x for x in expand(p)]
    return out
def resolve(cur, path):
    segs = [x.strip() for x in path.split('::') if x.strip()]
    segs = [s.split(' as ')[0].strip() for s in segs]
    if not segs: return None
    if segs[0] == 'crate': base, segs = (), segs[1:]
    elif segs[0] == 'super':
        base = cur
        while segs and segs[0] == 'super': base, segs = base[:-1], segs[1:]
    elif segs[0] == 'self': base, segs = cur, segs[1:]
    elif cur + (segs[0],) in mods: base = cur
    else: return None
    best = base if base in mods else None
    for i in range(len(segs)):
        if base + tuple(segs[:i+1]) in mods: best = base + tuple(segs[:i+1])
    return best
edges = {m: set() for m in mods}
for m, f in mods.items():
    src = open(f).read()
    src = re.split(r'#\[cfg\(test\)\]\s*mod tests', src)[0]
    src = re.sub(r'(?m)^\s*//.*$', '', src)
    for u in re.findall(r'(?ms)^\s*(?:pub(?:\([^)]*\))? )?use ((?:\w+)::[^;]*);', src):
        for p in expand(re.sub(r'\s+', ' ', u)):
            t = resolve(m, p)
            if t is not None and t != m: edges[m].add(t)
    for p in re.findall(r'(?<![\w:])((?:crate|super)(?:::\w+)+)', src):
        t = resolve(m, p)
        if t is not None and t != m: edges[m].add(t)
# Tarjan
idx, low, st, on, out, n = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges[v]:
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: out.append(comp)
for v in mods:
    if v not in idx: sc(v)
for c in out:
    print('CIRCLE:', ' '.join('::'.join(x) or 'crate' for x in sorted(c)))
    for a in c:
        for b in edges[a]:
            if b in c: print('   ', '::'.join(a), '->', '::'.join(b))
if '-v' in sys.argv:
    for m in sorted(edges):
        print('::'.join(m), '->', ', '.join(sorted('::'.join(x) for x in edges[m])))
print(len(out), 'circles')
sys.exit(1 if out else 0)
