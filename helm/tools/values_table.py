#!/usr/bin/env python3
"""Prints the README's values table from the `## @section` / `## @param key description` comments of
helm/jobmatch/values.yaml, with each key's default read from the values themselves.

    values_table.py            print the table
    values_table.py --check    fail when helm/jobmatch/README.md's table (between the values-table markers)
                               differs, or when a top-level key of values.yaml has no @param line
    values_table.py --write    rewrite the table in helm/jobmatch/README.md
"""
import json
import pathlib
import re
import sys

import yaml

CHART = pathlib.Path(__file__).resolve().parents[1] / "jobmatch"
VALUES = CHART / "values.yaml"
README = CHART / "README.md"
START, END = "<!-- values-table:start -->", "<!-- values-table:end -->"


def lookup(values, dotted):
    node = values
    for part in dotted.split("."):
        node = node[part]
    return node


def fmt(v):
    text = json.dumps(v, ensure_ascii=False)
    if len(text) > 60:
        text = text[:57] + "..."
    return "`" + text.replace("|", "\\|") + "`"


def table():
    text = VALUES.read_text(encoding="utf-8")
    values = yaml.safe_load(text)
    out, params = [], []
    for line in text.splitlines():
        m = re.match(r"\s*## @section (.*)", line)
        if m:
            out += ["", f"### {m.group(1).strip()}", "", "| key | default | description |", "|---|---|---|"]
            continue
        m = re.match(r"\s*## @param (\S+) (.*)", line)
        if m:
            key, desc = m.groups()
            params.append(key)
            desc = desc.replace("|", "\\|")
            out.append(f"| `{key}` | {fmt(lookup(values, key))} | {desc} |")
    return "\n".join(out).strip() + "\n", params, values


def main():
    body, params, values = table()
    missing = [k for k in values if not any(p == k or p.startswith(k + ".") for p in params)]
    if "--write" in sys.argv:
        readme = README.read_text(encoding="utf-8")
        a, b = readme.index(START) + len(START), readme.index(END)
        README.write_text(readme[:a] + "\n" + body + readme[b:], encoding="utf-8")
    elif "--check" in sys.argv:
        readme = README.read_text(encoding="utf-8")
        if START not in readme or END not in readme:
            sys.exit(f"{README}: no {START} ... {END} markers")
        current = readme[readme.index(START) + len(START):readme.index(END)].strip() + "\n"
        if current != body:
            sys.exit(f"{README}: the values table is out of date: run python3 helm/tools/values_table.py --write")
    else:
        sys.stdout.write(body)
    if missing:
        sys.exit(f"values.yaml keys without an @param line: {missing}")


if __name__ == "__main__":
    main()
