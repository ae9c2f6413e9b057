"""The generated scenarios of tools/differential.py (`--generated N`),
drawn from a seeded random source; docs/differential.md describes them."""

# The generated scenarios: a small alphabet in the manner of gen/Spec.cpp
# (classes with and without __del__, cycles, some made by a method call,
# weakrefs with callbacks, resurrection, collections), on one to three
# threads, some of them copies of the first (thread symmetry), under a
# random profile and now and then a runtime mutation. `lifecheck fuzz` cannot write the scenarios it
# generates (only the shrunk first violation), so these are drawn here.
# A third of them use locks (Locks below), drawn from a random source of
# their own: the scenarios without locks are those drawn before locks were.

GIL_PROFILES = [None, "3.11", "3.12", "3.13", "P314i"]
GIL_BUGS = ["finalize-without-incref", "clear-without-incref", "no-finalized-mark",
            "untrack-clears-finalized", "gc-ignores-frame-refs", "resurrection-continues",
            "callbacks-while-clearing", "callbacks-oldest-first", "trash-weakref-callbacks",
            "skip-tp-clear", "dealloc-leaves-tracked", "clear-survivors-again"]
FT_BUGS = ["merge-keeps-queue-reference", "free-garbage-mid-collection",
           "dealloc-on-dropping-thread", "stw-during-c-code"]


class Locks:
    """The lock statements of a generated scenario (docs/scenario-language.md
    12.5): module-level L0 (and L1), each a threading.Lock() or a
    threading.RLock(); thread statements inside `with L:` blocks,
    acquire/release pairs and `if L.acquire(False):` branches; now and then
    a release of its own (RuntimeError when the lock is not held) or a
    locked() query; __del__ and weakref callback bodies that take L0 (a
    finalizer that takes the lock its thread holds: a deadlock). `rng` None:
    no locks."""

    def __init__(self, rng):
        self.rng = rng
        self.rlock = [rng.random() < 0.4 for _ in range(rng.randint(1, 2))] if rng else []

    def header(self):
        if not self.rng:
            return []
        return ["import threading", ""]

    def globals(self):
        return [f"L{k} = threading.{'RLock' if r else 'Lock'}()" for k, r in enumerate(self.rlock)]

    def name(self):
        return f"L{self.rng.randrange(len(self.rlock))}"

    def taking(self, body):
        """A finalizer or callback body (its global lines first), three
        times in five inside `with L0:`."""
        if not self.rng or self.rng.random() < 0.4:
            return body
        head = [s for s in body if s.startswith("global")]
        return head + ["with L0:"] + ["    " + s for s in body if not s.startswith("global")]

    def around(self, lines):
        """A thread statement, at times inside a lock block or next to a
        lock statement of its own."""
        if not self.rng:
            return lines
        inner = ["    " + s for s in lines]
        lock, pick = self.name(), self.rng.random()
        if len(lines) == 1 and lines[0].endswith(" = None") and pick < 0.4:
            return ["with L0:"] + inner  # a drop that may run a finalizer taking L0
        if pick < 0.25:
            return [f"with {lock}:"] + inner
        if pick < 0.33:
            return [f"{lock}.acquire()"] + lines + [f"{lock}.release()"]
        if pick < 0.41:
            return ([f"if {lock}.acquire(False):"] + inner +
                    [f"    {lock}.release()", "else:", "    log(\"busy\")"])
        if pick < 0.425:
            return lines + [f"{lock}.release()"]
        if pick < 0.455 and not self.rlock[int(lock[1:])]:  # RLock.locked() is 3.14's
            return lines + [f"log(\"locked\", {lock}.locked())"]
        return lines

    def last(self):
        """The end of a thread body: a third of the time a drop of a local
        inside `with L0:` (its object's finalizer may take L0)."""
        if not self.rng or self.rng.random() >= 1 / 3:
            return []
        return ["with L0:", f"    {self.rng.choice(['a', 'b'])} = None"]


def del_body(rng):
    body = []
    for _ in range(rng.randint(1, 2)):
        body += rng.choice([["log(\"del\")"], ["global keep", "keep = self"],
                            ["self.f0 = None"], ["gc.collect()"]])
    globals_ = [s for s in body if s.startswith("global")]
    return globals_ + [s for s in body if not s.startswith("global")]


def thread_statement(rng, globals_used, has_weakref):
    g = f"g{rng.randint(0, 1)}"
    f = f"f{rng.randint(0, 1)}"
    local = rng.choice(["a", "b"])
    other = "b" if local == "a" else "a"
    choice = rng.randrange(12)
    if choice == 11:  # a cycle made by a method call (FN14)
        return ["if a is not None:", "    if b is not None:", "        a.pair(b)"]
    if choice == 0:
        return [f"{local} = C{rng.randint(0, 1)}()"]
    if choice == 1:
        return [f"if {local} is not None:", f"    {local}.{f} = {other}"]
    if choice == 2:
        return ["s = " + g, "if s is not None:", f"    s.{f} = {local}", "s = None"]
    if choice == 3:
        globals_used.add(g)
        return [f"{g} = {local}"]
    if choice == 4:
        globals_used.add(g)
        return [f"{g} = None"]
    if choice == 5:
        return [f"{local} = None"]
    if choice == 6:
        return [f"if {local} is not None:", f"    wv = weakref.ref({local}, cb1)"]
    if choice == 7:
        globals_used.add("w0")
        return [f"if {local} is not None:", f"    w0 = weakref.ref({local})"]
    if choice == 8 and has_weakref:
        return ["if wv is not None:", "    log(\"gone\", wv() is None)"]
    if choice == 9:
        return ["gc.collect()"]
    return ["log(\"mark\")"]


def thread_body(rng, length, locks):
    globals_used = set()
    body = [f"a = C{rng.randint(0, 1)}()", f"b = C{rng.randint(0, 1)}()", "wv = None"]
    for _ in range(length):
        body += locks.around(
            thread_statement(rng, globals_used, any("wv = weakref" in s for s in body)))
    body += locks.last()
    head = ["global " + ", ".join(sorted(globals_used))] if globals_used else []
    return head + body


def random_scenario(rng, free_threaded_profiles, lock_rng=None):
    """The text of one generated scenario, free-threaded under one of
    `free_threaded_profiles`; with locks when `lock_rng` is given (Locks)."""
    locks = Locks(lock_rng)
    free_threaded = rng.random() < 0.25
    profile = rng.choice(free_threaded_profiles if free_threaded else GIL_PROFILES)
    lines = []
    if rng.random() < 0.3:
        lines.append("runtime-bug " + rng.choice(FT_BUGS if free_threaded else GIL_BUGS))
    if profile:
        lines.append("profile " + profile)
    lines.append("")
    lines += locks.header()
    for k in range(2):
        lines.append(f"class C{k}:")
        if rng.random() < 0.6:
            lines += ["    def __del__(self):"] + ["        " + s
                                                     for s in locks.taking(del_body(rng))]
        # (no draw: the scenarios are those drawn before methods were)
        lines += ["    def pair(self, other):", "        self.f0 = other",
                  "        other.f1 = self"]
        lines.append("")
    callback = rng.choice([["log(\"cb1\")"], ["global keep", "keep = None"], ["gc.collect()"]])
    lines += ["def cb1(wr):"] + ["    " + s for s in locks.taking(callback)] + [""]
    lines += ["keep = None", "g0 = None", "g1 = None", "w0 = None"] + locks.globals()
    if rng.random() < 0.5:
        lines += [f"g{rng.randint(0, 1)} = C{rng.randint(0, 1)}()"]
    threads = rng.choice([1, 2] if free_threaded else [1, 2, 2, 3])
    first = thread_body(rng, rng.randint(2, 5 if threads < 3 else 3), locks)
    for t in range(threads):
        body = (first if t == 0 or rng.random() < 0.5
                else thread_body(rng, rng.randint(2, 4), locks))
        lines += ["", f"thread T{t + 1}:"] + ["    " + s for s in body]
    return "\n".join(lines) + "\n"
