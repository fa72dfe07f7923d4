#!/usr/bin/env python3
"""Lists the import circles between the source files of a crate.

Usage: tools/module_cycles.py engines/dtl/src [--max N]

Every `crate::a::b` path in a file (in `use` items and inline) is an edge to
the file that holds module `a::b` (or its longest prefix that is a file). The
strongly connected components with more than one file are printed; with
`--max N` the exit status is 1 when one of them has more than N files.
"""
import re
import sys
from pathlib import Path


def module_of(src: Path, path: Path) -> tuple:
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def edges(src: Path):
    files = {module_of(src, p): p for p in src.rglob("*.rs")}
    graph = {m: set() for m in files}
    for mod, path in files.items():
        text = strip_comments(path.read_text())
        # `use crate::{a, b::c}` groups and plain `crate::a::b` paths.
        targets = []
        for group in re.finditer(r"crate::\{([^;]*?)\}", text):
            for item in re.split(r",", group.group(1)):
                item = re.sub(r"\{.*", "", item).strip()
                if item:
                    targets.append(tuple(item.split("::")))
        for m in re.finditer(r"crate((?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
            targets.append(tuple(m.group(1).split("::")[1:]))
        # `super::x` inside a nested module.
        for m in re.finditer(r"\bsuper((?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
            base = mod[:-1] if path.name != "mod.rs" else mod[:-1]
            targets.append(base + tuple(m.group(1).split("::")[1:]))
        for t in targets:
            for n in range(len(t), 0, -1):
                if t[:n] in files:
                    if t[:n] != mod:
                        graph[mod].add(t[:n])
                    break
    return graph


def sccs(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    src = Path(sys.argv[1])
    limit = int(sys.argv[sys.argv.index("--max") + 1]) if "--max" in sys.argv else None
    worst = 0
    for comp in sccs(edges(src)):
        if len(comp) > 1:
            worst = max(worst, len(comp))
            print(f"circle of {len(comp)}: " + ", ".join(sorted("::".join(m) or "lib" for m in comp)))
    if worst == 0:
        print("no import circles")
    sys.exit(1 if limit is not None and worst > limit else 0)


main()
