#!/usr/bin/env python3
"""Writes one conformance case file per class of template bomb, for
measuring how fast and in how much memory the render budget refuses each:

    python3 tools/bombs.py /tmp/bombs
    for f in /tmp/bombs/*.jsonl; do
      /usr/bin/time -f "$f %e s %M KB" platen conformance "$f" > /dev/null
    done

Each case expects an empty output, so `platen conformance` reports the
error that stopped it (`--report` shows the message).
"""
import json
import os
import sys

OPTIONS = {"autoescape": True, "string_if_invalid": "", "debug": False}


def case(name, templates, entry, context):
    return json.dumps({"id": name, "templates": templates, "name": entry, "context": context,
                       "options": OPTIONS, "libraries": [], "expected": {"output": ""}})


def bombs():
    loop3 = "{% for a in l %}{% for b in l %}{% for c in l %}"
    yield "loops_output", {"t": loop3 + "{{ s }}" + "{% endfor %}" * 3}, "t", {"l": list(range(100)), "s": "x" * 1000}
    yield "loops_empty", {"t": loop3 + "{% for d in l %}" + "{% endfor %}" * 4}, "t", {"l": list(range(100))}
    levels = {"level40": "leaf"}
    for i in range(40):
        levels[f"level{i}"] = f"{{% include 'level{i + 1}' %}}{{% include 'level{i + 1}' %}}"
    yield "include_fanout", levels, "level0", {}
    src = "{% partialdef p0 %}leaf{% endpartialdef %}"
    for i in range(1, 40):
        src += f"{{% partialdef p{i} %}}{{% partial p{i - 1} %}}{{% partial p{i - 1} %}}{{% endpartialdef %}}"
    yield "partial_fanout", {"t": src + "{% partial p39 %}"}, "t", {}
    yield "filter_multiply", {"t": "{% for a in l %}{{ s|ljust:'60000000' }}{% endfor %}"}, "t", {"l": list(range(1000)), "s": "x"}
    yield "deep_nesting", {"t": "{% if a %}" * 5000 + "x" + "{% endif %}" * 5000}, "t", {"a": True}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "bombs"
    os.makedirs(out, exist_ok=True)
    for name, templates, entry, context in bombs():
        with open(os.path.join(out, f"{name}.jsonl"), "w") as f:
            f.write(case(name, templates, entry, context) + "\n")


if __name__ == "__main__":
    main()
