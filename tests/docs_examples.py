#!/usr/bin/env python3
"""The examples of README.md and docs/*.md against the binary (ctest
Docs.ReadmeExamples and Docs.Examples).

Every fenced block that shows a scenario or what lifecheck prints is either
run and compared, or marked as not run, with a reason. A block is recognised
by what it holds, or by an HTML comment on the line just before its opening
fence (blank lines between are allowed):

Outputs (compared line by line, whole: the block's first line must be the
output's first line and its last line the output's last line, unless a
`...` line stands there; see `match` for `...`):
* a block with `$ build/lifecheck SUBCOMMAND ARGS` lines: each command is
  run and the lines after it, up to the next `$` line, are its output;
* a block whose first line is a result line, `NAME.life: holds under ...`
  (or `counterexample`, `no verdict`), or an input error,
  `NAME.life:LINE:COL: error: ...`: the output of `check NAME.life`; a
  block of error lines must all be printed on standard error, exit code 2;
* a block right after a ```sh block of one `build/lifecheck ...` line: that
  command's output;
* `<!-- lifecheck: $ build/lifecheck simulate NAME.life --seed 1 -->`: the
  block is that command's output.

Scenarios:
* a ```python block is a scenario. It is named NAME.life by the result or
  error line of the output block right after it, or by
  `<!-- lifecheck: scenario NAME.life -->`, and later commands of the same
  document can use that name;
* a scenario after a paragraph that ends with "`scenarios/PATH.life`:" (or
  "(`scenarios/PATH.life`):") must be that file, byte for byte, unless
  marked as an excerpt (below); one that equals a file named in the
  paragraph before or in the output after it is that file too;
* a scenario with `verdict` lines is run with `suite`, which must pass;
* a scenario with `# error: LINE:COL: MESSAGE` lines: each piece of
  scenario before such a line must fail with that error (exit code 2);
* `<!-- lifecheck: holds -->`: `check` must say it holds;
* `<!-- lifecheck: excerpt of scenarios/PATH.life -->` (or of a NAME.life
  named before): the block's lines are in that file, in order (`...` as in
  outputs);
* `<!-- lifecheck: scenario NAME.life` followed by lines of scenario text
  and `-->`: a scenario the page describes but does not show (the comment
  does not render), for the commands and outputs that use it.

`<!-- lifecheck: not run: REASON -->` marks a block that is none of these
(an excerpt, a syntax summary, output of a real interpreter). Any other
block that looks like a scenario or an output fails the check, so a new
example cannot escape it.

Commands run in a temporary folder holding the named scenarios and links to
scenarios/ and tests/, with `--jobs 1` for check and suite: the counts are
deterministic and compared exactly. Then, in a copy of each document, one
count is made one larger and the copy must fail, an unmarked scenario is
added to a copy, which must fail too, and the last line of a result block
and the first line of a `<!-- lifecheck: $ ... -->` block are left out of a
copy, which must fail: the check cannot rot into passing. The matcher
itself is tested by tests/docs_examples_test.py.

    tests/docs_examples.py --lifecheck build/lifecheck [--source-dir .] [FILE.md ...]
"""
import argparse
import difflib
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
MARKER = re.compile(r"^<!-- lifecheck: (.*?)\s*(-->)?$")
RESULT = re.compile(r"^(\S+\.life): (holds|counterexample|no verdict) under ")
ERROR = re.compile(r"^(\S+\.life):\d+:\d+: error: ")
INLINE_ERROR = re.compile(r"^# error: (\d+:\d+: .*)$")
COMMAND = re.compile(r"^\$ (build/)?lifecheck ([a-z-]+)(.*)$")
SHOWN = re.compile(r"`(scenarios/[^`\s]+\.life)`")
# A block that holds one of these lines shows a scenario or an output.
SCENARIO_LINE = re.compile(r"^(class|ctype|thread) \w+.*:\s*$|^(expect|verdict) \w")
OUTPUT_LINE = re.compile(r"^\S+\.life:( | ?\d+:\d+: error: )|^(PASS|FAIL|SKIP)  |^step \d+ +\[|^\$ "
                         r"|^VIOLATION of |^heap:$|^ +\S+#\d+ +\S+ +rc=\d")
NUMBERS = re.compile(r"(over all |after )(\d+)( states)")


class Block:
    def __init__(self, lines, start, end, lang, indent):
        self.start = start            # index of the opening fence
        self.lang = lang
        self.body = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in lines[start + 1:end]]
        self.marker = None            # the text of a marker comment just before
        k = start - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        if k >= 0:
            m = MARKER.match(lines[k].strip())
            if m and m.group(2):
                self.marker = m.group(1)
                k -= 1
                while k >= 0 and not lines[k].strip():
                    k -= 1
        # The paragraph before the block, for the scenario files it names.
        para = []
        while k >= 0 and lines[k].strip() and not FENCE.match(lines[k]):
            para.append(lines[k])
            k -= 1
        self.paragraph = " ".join(reversed(para))

    def line(self, n):
        """The document line (1-based) of body line n (0-based)."""
        return self.start + 2 + n


def parse(text):
    """Blocks, and hidden scenarios: (line index, name, text) per
    `<!-- lifecheck: scenario NAME.life` comment that holds a scenario."""
    lines = text.split("\n")
    blocks, hidden, i = [], [], 0
    while i < len(lines):
        f = FENCE.match(lines[i])
        m = MARKER.match(lines[i].strip())
        if f:
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            blocks.append(Block(lines, i, j, f.group(2), f.group(1)))
            i = j + 1
        elif m and not m.group(2):    # a comment over several lines
            j = i + 1
            while j < len(lines) and lines[j].strip() != "-->":
                j += 1
            hidden.append((i, m.group(1), "\n".join(lines[i + 1:j]) + "\n"))
            i = j + 1
        else:
            i += 1
    return lines, blocks, hidden


def same_line(c, a):
    """Whether the output line A is the claimed line C (C ending in `...`:
    a prefix)."""
    return a.startswith(c[:-3].rstrip()) if c.endswith("...") else a == c


def run_of(chunk, actual, p):
    """How many lines of the chunk [(index, line)] match the output from
    line p on."""
    n = 0
    while n < len(chunk) and p + n < len(actual) and same_line(chunk[n][1], actual[p + n]):
        n += 1
    return n


def match(claimed, actual, label="binary", anchored=True):
    """None when the claimed lines are the actual output, else (the index
    of the claimed line to point at, why).

    A line `...` stands for any number of lines; a line that ends in `...`
    stands for any line that starts with what comes before. The other lines
    must be in the output in the same order, consecutive between two `...`;
    trailing spaces and blank lines at the end of the block do not count.
    Anchored (outputs): the first claimed line must be the first line of
    the output and the last claimed line its last line, unless the block
    starts or ends with a `...` line; so a block without `...` is the whole
    output. Not anchored (excerpts of a scenario file): the lines may be
    anywhere in it, in order. Either way a claimed result line must be the
    first line of the output."""
    actual = [a.rstrip() for a in actual]
    claimed = [c.rstrip() for c in claimed]
    while claimed and not claimed[-1]:
        claimed.pop()
    chunks, cur = [], []          # (index in claimed, line) per chunk
    for i, c in enumerate(claimed):
        if c.strip() == "...":
            chunks.append(cur)
            cur = []
        else:
            cur.append((i, c))
    chunks.append(cur)
    # An empty first (last) chunk: the block starts (ends) with `...`.
    at_start = anchored and bool(chunks[0])
    at_end = anchored and bool(chunks[-1])

    def run(chunk, p):
        return run_of(chunk, actual, p)

    def fail(n, why, doc, got):
        return n, (f"{why}\n    doc:    {doc}\n    {label + ':':8}{got or '(a blank line)'}\n"
                   + diff(chunks, actual, label))

    if claimed and RESULT.match(claimed[0]) and not (actual and actual[0] == claimed[0]):
        return fail(0, "first line", claimed[0], actual[0] if actual else "(nothing)")
    pos = 0
    for k, chunk in enumerate(chunks):
        if not chunk:
            continue
        first, last = at_start and k == 0, at_end and k == len(chunks) - 1
        if first:
            places = [0]
        elif last:                # the last chunk ends where the output ends
            places = [len(actual) - len(chunk)] if len(actual) - len(chunk) >= pos else []
        else:
            places = range(pos, len(actual) - len(chunk) + 1)
        found = next((p for p in places if run(chunk, p) == len(chunk)), None)
        if found is not None and first and last and len(chunk) != len(actual):
            found = None          # a block without `...` is the whole output
        if found is not None:
            pos = found + len(chunk)
            continue
        # Point at the line: the longest prefix of the chunk that is there.
        best, at = max(((run(chunk, p), p) for p in (places if first else range(pos, len(actual)))),
                       key=lambda t: (t[0], -t[1]), default=(0, pos))
        if best == 0 and first:
            return fail(chunk[0][0], "the block's first line is not the output's first line (a block "
                        "that leaves out lines there starts with a '...' line)",
                        chunk[0][1], actual[0] if actual else "(nothing)")
        if best == len(chunk):    # all there, but not at the end of the output
            return fail(chunk[-1][0], "the output goes on after the block's last line (a block that "
                        "leaves out lines there ends with a '...' line)", chunk[-1][1], actual[at + best])
        near = actual[at + best] if at + best < len(actual) else "(end of output)"
        return fail(chunk[best][0], f"line not in the output (after {best} matching lines)",
                    chunk[best][1], near)
    return None


def diff(chunks, actual, label, most=40):
    """The block against the output, as a unified diff of at most MOST
    lines. Each `...` (and each line that ends in `...`) is shown as the
    output lines it stands for, where the lines around it are found, so
    the diff shows only what differs."""
    def run(chunk, p):
        return run_of(chunk, actual, p)

    shown, pos = [], 0
    for k, chunk in enumerate(chunks):
        p = None
        if k == 0 or chunk:
            best, at = max(((run(chunk, q), q) for q in range(pos, len(actual))),
                           key=lambda t: (t[0], -t[1]), default=(0, pos))
            p = at if best or not chunk else None
        if k > 0:                 # the `...` before this chunk
            if not chunk and k == len(chunks) - 1:
                p = len(actual)   # a `...` at the end: the rest of the output
            if p is None:
                shown.append("...")
            else:
                shown += actual[pos:p]
                pos = p
        n = run(chunk, p) if p is not None else 0
        shown += actual[p:p + n] if n else []
        shown += [c for _, c in chunk[n:]]
        if p is not None:
            pos = p + n
    lines = list(difflib.unified_diff(shown, actual, "doc", label, lineterm="", n=2))
    if len(lines) > most:
        lines = lines[:most] + [f"... ({len(lines) - most} more diff lines)"]
    return "\n".join("    " + l for l in lines)


class Runner:
    """Runs lifecheck in a scratch folder; results are cached, so the
    self-test's second pass over a document costs little."""

    def __init__(self, lifecheck, source_dir):
        self.lifecheck, self.source_dir = lifecheck, source_dir
        self.tmp = tempfile.TemporaryDirectory(prefix="lifecheck-docs-")
        for d in ("scenarios", "tests"):
            os.symlink(os.path.join(source_dir, d), os.path.join(self.tmp.name, d))
        self.cache = {}

    def run(self, args, files):
        """(exit code, stdout lines, stderr lines) of `lifecheck ARGS` with
        the named scenarios FILES {name: text} written first."""
        if args and args[0] in ("check", "suite"):
            args = [args[0], "--jobs", "1", "--quiet"] + args[1:]
        used = {n: t for n, t in files.items() if any(n in a for a in args)}
        assert all("/" not in n for n in used), "scenarios are written in the scratch folder only"
        key = (tuple(args), tuple(sorted(used.items())))
        if key not in self.cache:
            for name, text in used.items():
                with open(os.path.join(self.tmp.name, name), "w", encoding="utf-8") as f:
                    f.write(text)
            try:
                r = subprocess.run([self.lifecheck] + args, cwd=self.tmp.name, capture_output=True,
                                   text=True, timeout=120)
                self.cache[key] = (r.returncode, r.stdout.rstrip("\n").split("\n"),
                                   r.stderr.rstrip("\n").split("\n"))
            except subprocess.TimeoutExpired:
                self.cache[key] = (-1, ["(timed out after 120 s)"], [])
        return self.cache[key]


def check_doc(name, text, runner):
    """(problems, examples checked, blocks marked not run) of one document."""
    lines, blocks, hidden = parse(text)
    problems, checked, not_run = [], 0, 0
    files = {}                       # scenario name -> text, in document order

    def where(n):
        return f"{name}:{n}"

    def add_hidden(upto):
        """The scenarios in comments before line index UPTO."""
        while hidden and hidden[0][0] < upto:
            at, head, body = hidden.pop(0)
            m = re.match(r"^scenario (\S+\.life)$", head)
            if m:
                files[m.group(1)] = body
            else:
                problems.append(f"{where(at + 1)}: a lifecheck comment over several lines must be "
                                f"'<!-- lifecheck: scenario NAME.life', the scenario, then '-->'")

    def compare_command(b, n, args, claimed, errors=False):
        nonlocal checked
        drop = None             # `| grep -v -E REGEX`: leave out the lines it matches
        if "|" in args:
            k = args.index("|")
            if args[k + 1:k + 4] != ["grep", "-v", "-E"] or len(args) != k + 5:
                problems.append(f"{where(b.line(n))}: only '| grep -v -E REGEX' may follow a command")
                return
            drop, args = re.compile(args[k + 4]), args[:k]
        rc, out, err = runner.run(args, files)
        if drop:
            out = [l for l in out if not drop.search(l)]
        checked += 1
        if errors:
            if rc != 2:
                problems.append(f"{where(b.line(n))}: lifecheck {' '.join(args)}: exit code {rc}, not 2 "
                                f"(an input error)\n    stdout: {out[0]}")
                return
            out = err
        missing = [a for a in args if a.endswith(".life") and "/" not in a and a not in files
                   and not os.path.exists(os.path.join(runner.tmp.name, a))]
        if missing:
            problems.append(f"{where(b.line(n))}: {missing[0]} is neither shown before nor given by "
                            f"'<!-- lifecheck: scenario {missing[0]}' ... '-->'")
            return
        why = match(claimed, out if out != [""] else err)
        if why:
            problems.append(f"{where(b.line(n + why[0]))}: lifecheck {' '.join(args)} (the block at line "
                            f"{b.start + 1}): {why[1]}")

    def is_output(b):
        return bool(b.body) and (RESULT.match(b.body[0]) or ERROR.match(b.body[0]))

    def compare_output(b):
        """An output block without commands: `check NAME` per result line
        (the lines up to the next one are its output), or error lines."""
        if all(ERROR.match(l) for l in b.body if l.strip()):
            for n, l in enumerate(b.body):
                if l.strip():
                    compare_command(b, n, ["check", ERROR.match(l).group(1)], [l], errors=True)
            return
        starts = [n for n, l in enumerate(b.body) if RESULT.match(l)] + [len(b.body)]
        for k in range(len(starts) - 1):
            n = starts[k]
            compare_command(b, n, ["check", RESULT.match(b.body[n]).group(1)], b.body[n:starts[k + 1]])

    def name_from(nxt):
        """The scenario name that the block after a scenario gives it."""
        if nxt is None or nxt.marker or not nxt.body:
            return None
        if is_output(nxt):
            return (RESULT.match(nxt.body[0]) or ERROR.match(nxt.body[0])).group(1)
        if nxt.lang == "sh" and len(nxt.body) == 1:
            m = re.match(r"^build/lifecheck \S+ (\S+\.life)\b", nxt.body[0])
            if m and "/" not in m.group(1):
                return m.group(1)
        return None

    for bi, b in enumerate(blocks):
        add_hidden(b.start)
        marker = b.marker or ""
        nxt = blocks[bi + 1] if bi + 1 < len(blocks) else None
        if marker.startswith("not run:"):
            if not marker[len("not run:"):].strip():
                problems.append(f"{where(b.start + 1)}: 'not run:' needs a reason")
            not_run += 1
            continue
        text_ = "\n".join(b.body) + "\n"

        # An excerpt of a scenario file, or of a scenario named before.
        m = re.match(r"^excerpt of (\S+\.life)$", marker)
        if m:
            path = m.group(1)
            whole = files.get(path)
            if whole is None and path.startswith("scenarios/"):
                try:
                    with open(os.path.join(runner.source_dir, path), encoding="utf-8") as f:
                        whole = f.read()
                except OSError:
                    pass
            checked += 1
            if whole is None:
                problems.append(f"{where(b.start + 1)}: no scenario {path} to take the excerpt from")
                continue
            why = match(b.body, whole.rstrip("\n").split("\n"), "file", anchored=False)
            if why:
                problems.append(f"{where(b.line(why[0]))}: not in {path}: {why[1]}")
            continue

        # An output whose command is in a marker, or in the sh block before.
        cmd = None
        if marker.startswith("$ "):
            cmd = marker
        elif bi > 0 and blocks[bi - 1].lang == "sh" and len(blocks[bi - 1].body) == 1 \
                and blocks[bi - 1].body[0].startswith("build/lifecheck ") \
                and blocks[bi - 1].start + len(blocks[bi - 1].body) + 4 >= b.start:
            cmd = "$ " + blocks[bi - 1].body[0]
        if cmd:
            m = COMMAND.match(cmd)
            if not m:
                problems.append(f"{where(b.start + 1)}: the marker's command is not '$ build/lifecheck ...'")
                continue
            errors = bool(b.body) and all(ERROR.match(l) for l in b.body if l.strip())
            compare_command(b, 0, [m.group(2)] + shlex.split(m.group(3)), b.body, errors)
            continue

        # `$ build/lifecheck ...` lines in the block.
        cmds = [n for n, l in enumerate(b.body) if COMMAND.match(l)]
        if cmds:
            for k, n in enumerate(cmds):
                m = COMMAND.match(b.body[n])
                end = cmds[k + 1] if k + 1 < len(cmds) else len(b.body)
                # A `$ # ...` line is a comment: it ends the output before it.
                end = next((e for e in range(n + 1, end) if b.body[e].startswith("$ #")), end)
                claimed = b.body[n + 1:end]
                args = [m.group(2)] + shlex.split(m.group(3))
                if claimed:
                    errors = all(ERROR.match(l) for l in claimed if l.strip())
                    compare_command(b, n + 1, args, claimed, errors)
                else:        # a command whose output is not shown: it must succeed
                    rc, out, err = runner.run(args, files)
                    checked += 1
                    if rc != 0:
                        problems.append(f"{where(b.line(n))}: lifecheck {' '.join(args)}: exit code {rc}\n"
                                        f"    {err[0] if err[0] else out[0]}")
            continue

        if is_output(b):
            compare_output(b)
            continue

        # A scenario shown whole from scenarios/: after a paragraph that ends
        # with its name and a colon, it must be that file (or an excerpt
        # of it, marked as above).
        named = re.search(r"`(scenarios/[^`\s]+\.life)`\)?:$", b.paragraph.strip())
        if b.lang == "python" and named:
            checked += 1
            try:
                with open(os.path.join(runner.source_dir, named.group(1)), encoding="utf-8") as f:
                    same = f.read() == text_
            except OSError as e:
                same = e
            if same is not True:
                problems.append(f"{where(b.start + 1)}: the block is not {named.group(1)} as it is"
                                f"{f' ({same})' if same else ''}: show the file whole, or put "
                                f"'<!-- lifecheck: excerpt of {named.group(1)} -->' before an excerpt")
            continue

        # A scenario that is a file of scenarios/ named in the paragraph
        # before, or in the output after it.
        if b.lang == "python":
            shown = SHOWN.findall(b.paragraph)
            if nxt and is_output(nxt):   # or the files whose results follow it
                shown += [m.group(1) for m in map(RESULT.match, nxt.body) if m]
            same = None
            for path in shown:
                try:
                    with open(os.path.join(runner.source_dir, path), encoding="utf-8") as f:
                        if f.read() == text_:
                            same = path
                except OSError:
                    pass
            if same:
                checked += 1
                continue

        # A scenario: named by the output after it, or by a marker.
        if b.lang == "python":
            inline_errors = [n for n, l in enumerate(b.body) if INLINE_ERROR.match(l)]
            if inline_errors:
                piece_start = 0
                for n in inline_errors:
                    piece = "\n".join(b.body[piece_start:n]) + "\n"
                    files["error-example.life"] = piece
                    expected = "error-example.life:" + INLINE_ERROR.match(b.body[n]).group(1)
                    expected = re.sub(r"^(\S+?:\d+:\d+): ", r"\1: error: ", expected)
                    compare_command(b, n, ["check", "error-example.life"], [expected], errors=True)
                    piece_start = n + 1
                continue
            m = re.match(r"^scenario (\S+\.life)$", marker)
            if m:
                files[m.group(1)] = text_
                checked += 1        # run by the commands that name it
                rc, out, err = runner.run(["check", m.group(1)], files)
                if rc == 2:
                    problems.append(f"{where(b.start + 1)}: {m.group(1)} is not a valid scenario: {err[0]}")
                continue
            target = name_from(nxt)
            if target and "/" in target:
                problems.append(f"{where(b.start + 1)}: the output after this scenario is that of {target}, "
                                f"but the block is not that file as it is")
                continue
            if target:
                files[target] = text_
                continue
            if marker == "holds":
                files["holds-example.life"] = text_
                rc, out, err = runner.run(["check", "holds-example.life"], files)
                checked += 1
                if rc != 0 or " holds under " not in out[0]:
                    problems.append(f"{where(b.start + 1)}: the scenario does not hold\n"
                                    f"    binary: {err[0] if rc == 2 else out[0]}")
                continue
            if any(l.startswith("verdict ") for l in b.body):
                files["verdict-example.life"] = text_
                rc, out, err = runner.run(["suite", "verdict-example.life"], files)
                checked += 1
                if rc != 0:
                    bad = [l for l in out + err if l and not l.startswith("PASS")]
                    problems.append(f"{where(b.start + 1)}: the scenario's verdict lines do not hold\n"
                                    f"    binary: {bad[0] if bad else rc}")
                continue

        if marker:
            problems.append(f"{where(b.start + 1)}: unknown lifecheck marker '{marker}'")
            continue
        # What is left must not look like a scenario or an output.
        if b.lang == "python" or any(SCENARIO_LINE.match(l) or OUTPUT_LINE.match(l) for l in b.body):
            problems.append(f"{where(b.start + 1)}: a scenario or an output that is neither checked nor "
                            f"marked: run it (see tests/docs_examples.py) or put "
                            f"'<!-- lifecheck: not run: REASON -->' before it")
    add_hidden(len(lines))
    return problems, checked, not_run


def self_test(name, text, runner):
    """Problems if a copy of the document with one count made larger, with
    an unmarked scenario added, or with the last line of a result block or
    the first line of a `<!-- lifecheck: $ ... -->` block left out (and no
    `...` put there), passes."""
    problems = []
    lines, blocks, _ = parse(text)
    ends = 0
    for what, pick, drop in (("last", lambda b: RESULT.match(b.body[0]), -1),
                             ("first", lambda b: (b.marker or "").startswith("$ "), 0)):
        b = next((b for b in blocks if len(b.body) > 2 and b.body[drop].strip() not in ("...", "")
                  and b.body[drop - 1 if drop else 1].strip() not in ("...", "") and pick(b)), None)
        if b is None:
            continue
        ends += 1
        at = b.start + 1 + (len(b.body) if drop else 1)       # the document line left out
        found, _, _ = check_doc(name, "\n".join(lines[:at - 1] + lines[at:]), runner)
        if not any(re.match(rf"{re.escape(name)}:(\d+): ", p) and b.start < int(p.split(":")[1]) < at + 1
                   for p in found):
            problems.append(f"self-test: {name} with the {what} line of the block at line "
                            f"{b.start + 1} left out passed")
    m = None
    for line_match in re.finditer(r"^\s*(\$ .*\n\s*)?\S+\.life: .*$", text, re.M):
        m = NUMBERS.search(text, line_match.start(), line_match.end())
        if m:
            break
    if m:
        broken = text[:m.start(2)] + str(int(m.group(2)) + 1) + text[m.end(2):]
        found, _, _ = check_doc(name, broken, runner)
        line = text.count("\n", 0, m.start()) + 1
        if not any(p.startswith(f"{name}:{line}:") for p in found):
            problems.append(f"self-test: {name}:{line} with '{m.group(0)}' made one larger passed")
    unmarked = text + "\n```python\nclass Node:\n    pass\n```\n"
    found, _, _ = check_doc(name, unmarked, runner)
    if not any("neither checked nor marked" in p for p in found):
        problems.append(f"self-test: {name} with an unmarked scenario added passed")
    return problems, m is not None, ends


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifecheck", required=True)
    ap.add_argument("--source-dir", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("docs", nargs="*", help="documents, relative to the source dir (default: docs/*.md)")
    args = ap.parse_args(argv)
    source_dir = os.path.abspath(args.source_dir)
    docs = args.docs or sorted(os.path.relpath(p, source_dir)
                               for p in glob.glob(os.path.join(source_dir, "docs", "*.md")))
    runner = Runner(os.path.abspath(args.lifecheck), source_dir)
    problems, total, total_not_run, broken_numbers, broken_ends = [], 0, 0, 0, 0
    for doc in docs:
        with open(os.path.join(source_dir, doc), encoding="utf-8") as f:
            text = f.read()
        found, checked, not_run = check_doc(doc, text, runner)
        problems += found
        total += checked
        total_not_run += not_run
        if checked or not_run:
            print(f"{doc}: {checked} examples checked, {not_run} marked not run")
            more, broke, ends = self_test(doc, text, runner)
            problems += more
            broken_numbers += broke
            broken_ends += ends
    if total < 3:
        problems.append(f"only {total} examples found: has the format changed?")
    if broken_ends == 0 and not args.docs:
        problems.append("self-test: no output block to leave the first or last line out of")
    if broken_numbers == 0:
        problems.append("self-test: no state count to break in these documents")
    for p in problems:
        print(p)
    print(f"{total} examples checked, {total_not_run} marked not run, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
