#!/usr/bin/env python3
"""The README's examples against the binary (ctest Docs.ReadmeExamples).

Two kinds of example are checked in README.md:

* a fenced block with a line `$ build/lifecheck check ...` or
  `$ build/lifecheck suite ...` on scenarios under scenarios/: the command
  is run (with --jobs 1), and the line after it must be the first line of
  its output for `check`, the last line (the summary) for `suite`;
* a fenced block right after a line "`scenarios/PATH.life`:" must be that
  file, byte for byte.

It then breaks a number of the first result line in a copy of the README and
checks that the copy fails, so the check itself cannot rot into passing
everything. Exit 0 when all hold, 1 otherwise.

    tests/readme_examples.py --lifecheck build/lifecheck [--source-dir .]
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

FENCE = re.compile(r"^```")
COMMAND = re.compile(r"^\$ build/lifecheck (check|suite) (.*)$")
SHOWN_FILE = re.compile(r"^`(scenarios/[^`]+\.life)`:$")


def blocks(text):
    """(index of the line before the opening fence, lines inside) per block."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]):
                j += 1
            out.append((lines, i, lines[i + 1:j]))
            i = j + 1
        else:
            i += 1
    return out


def check_readme(text, lifecheck, source_dir):
    """The problems found, and how many examples were checked."""
    problems, checked = [], 0
    for lines, fence, body in blocks(text):
        before = next((lines[k] for k in range(fence - 1, -1, -1) if lines[k].strip()), "")
        shown = SHOWN_FILE.match(before)
        if shown:
            path = os.path.join(source_dir, shown.group(1))
            try:
                with open(path, encoding="utf-8") as f:
                    actual = f.read()
            except OSError as e:
                problems.append(f"README.md:{fence + 1}: {shown.group(1)}: {e}")
                continue
            checked += 1
            if "\n".join(body) + "\n" != actual:
                problems.append(f"README.md:{fence + 1}: the block is not {shown.group(1)} as it is")
        for n, line in enumerate(body):
            m = COMMAND.match(line)
            if not m or n + 1 >= len(body):
                continue
            sub, args = m.group(1), shlex.split(m.group(2))
            if not any(a.startswith("scenarios/") for a in args):
                continue
            expected = body[n + 1]
            cmd = [lifecheck, sub, "--jobs", "1", "--quiet"] + args
            r = subprocess.run(cmd, cwd=source_dir, capture_output=True, text=True, timeout=60)
            out = r.stdout.rstrip("\n").split("\n")
            actual = out[0] if sub == "check" else out[-1]
            checked += 1
            if actual != expected:
                problems.append(f"README.md:{fence + 2 + n}: $ build/lifecheck {sub} {m.group(2)}\n"
                                f"  README: {expected}\n  binary: {actual}")
    return problems, checked


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifecheck", required=True)
    ap.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = ap.parse_args()
    lifecheck = os.path.abspath(args.lifecheck)
    with open(os.path.join(args.source_dir, "README.md"), encoding="utf-8") as f:
        text = f.read()

    problems, checked = check_readme(text, lifecheck, args.source_dir)
    for p in problems:
        print(p)
    if checked < 3:
        problems.append(f"only {checked} examples found in README.md: has the format changed?")
        print(problems[-1])

    # The check can fail: one state count more in the first result line.
    broken = re.sub(r"over all (\d+) states",
                    lambda m: f"over all {int(m.group(1)) + 1} states", text, count=1)
    if broken == text:
        problems.append("self-test: no 'over all N states' line to break in README.md")
        print(problems[-1])
    else:
        found, _ = check_readme(broken, lifecheck, args.source_dir)
        if not found:
            problems.append("self-test: a README with a wrong state count passed")
            print(problems[-1])

    print(f"{checked} README examples checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
