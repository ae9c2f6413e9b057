#!/usr/bin/env python3
"""The matcher of tests/docs_examples.py on made-up outputs (ctest
Docs.MatcherSelfTest, well under a second, no lifecheck binary): a shown
output block is the whole output, both ends anchored, unless a `...` line
stands at an end; a block missing its first or last line fails, with the
file:line and a diff in the message.

    tests/docs_examples_test.py [-v]
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docs_examples  # noqa: E402
from docs_examples import match  # noqa: E402

OUTPUT = ["x.life: simulation with seed 1 under P314g",
          "step 1   [main] line 3: a = Node()   in <module>",
          "          alloc a#1 (Node)",
          "step 2   [main] line 4: del a   in <module>",
          "          free a#1",
          "run completed without a violation"]


class Anchoring(unittest.TestCase):
    def test_whole_output_passes(self):
        self.assertIsNone(match(OUTPUT, OUTPUT))

    def test_trailing_spaces_and_blank_lines_at_the_end_do_not_count(self):
        self.assertIsNone(match([l + "  " for l in OUTPUT] + ["", ""], OUTPUT))

    def test_missing_last_line_fails(self):
        why = match(OUTPUT[:-1], OUTPUT)
        self.assertIsNotNone(why)
        self.assertEqual(why[0], len(OUTPUT) - 2)    # points at the block's last line
        self.assertIn("goes on after the block's last line", why[1])
        self.assertIn("+run completed without a violation", why[1])

    def test_missing_first_line_fails(self):
        why = match(OUTPUT[1:], OUTPUT)
        self.assertIsNotNone(why)
        self.assertEqual(why[0], 0)
        self.assertIn("first line is not the output's first line", why[1])
        self.assertIn("+x.life: simulation with seed 1 under P314g", why[1])

    def test_missing_both_ends_fails(self):
        self.assertIsNotNone(match(OUTPUT[1:-1], OUTPUT))
        self.assertIsNotNone(match(["..."] + OUTPUT[1:-1], OUTPUT))
        self.assertIsNotNone(match(OUTPUT[1:-1] + ["..."], OUTPUT))

    def test_elision_at_the_end_passes(self):
        self.assertIsNone(match(OUTPUT[:-2] + ["..."], OUTPUT))
        self.assertIsNone(match(OUTPUT[:-2] + ["          ..."], OUTPUT))   # indented

    def test_elision_at_the_start_passes(self):
        self.assertIsNone(match(["..."] + OUTPUT[3:], OUTPUT))

    def test_elision_at_both_ends_passes(self):
        self.assertIsNone(match(["..."] + OUTPUT[2:4] + ["..."], OUTPUT))
        self.assertIsNone(match(["...", "..."], OUTPUT))

    def test_elision_at_the_end_does_not_excuse_the_start(self):
        self.assertIsNotNone(match(OUTPUT[2:4] + ["..."], OUTPUT))

    def test_elision_in_the_middle(self):
        self.assertIsNone(match(OUTPUT[:1] + ["..."] + OUTPUT[-2:], OUTPUT))
        self.assertIsNone(match(OUTPUT[:2] + ["..."] + OUTPUT[3:4] + ["..."] + OUTPUT[-1:], OUTPUT))
        # Still anchored at both ends with `...` in the middle only.
        self.assertIsNotNone(match(OUTPUT[:1] + ["..."] + OUTPUT[-2:-1], OUTPUT))
        self.assertIsNotNone(match(OUTPUT[1:2] + ["..."] + OUTPUT[-1:], OUTPUT))

    def test_line_that_ends_in_dots_is_a_prefix(self):
        self.assertIsNone(match(OUTPUT[:-1] + ["run completed ..."], OUTPUT))
        self.assertIsNone(match(["x.life: simulation ..."] + OUTPUT[1:], OUTPUT))
        self.assertIsNotNone(match(OUTPUT[:-1] + ["run stopped ..."], OUTPUT))

    def test_a_changed_line_fails(self):
        why = match(OUTPUT[:3] + ["step 2   [main] line 5: del a   in <module>"] + OUTPUT[4:], OUTPUT)
        self.assertEqual(why[0], 3)
        self.assertIn("line not in the output", why[1])

    def test_a_longer_block_than_the_output_fails(self):
        self.assertIsNotNone(match(OUTPUT + ["heap:"], OUTPUT))
        self.assertIsNotNone(match(OUTPUT, OUTPUT[:-1]))

    def test_excerpts_are_not_anchored(self):
        self.assertIsNone(match(OUTPUT[2:4], OUTPUT, "file", anchored=False))
        self.assertIsNotNone(match(OUTPUT[2:4], OUTPUT, "file"))

    def test_result_line_must_come_first(self):
        out = ["a.life: holds under P314g: every property holds over all 3 states", "x"]
        self.assertIsNone(match(["...", out[0], "..."], ["first"] + out))   # `...` first: not a result line
        why = match([out[0], "..."], ["first"] + out)
        self.assertEqual(why[0], 0)


class FakeRunner:
    """Stands for docs_examples.Runner: prints OUTPUT for every command."""

    class tmp:
        name = "/nonexistent"

    def __init__(self, out):
        self.out, self.source_dir = out, "/nonexistent"

    def run(self, args, files):
        return 0, list(self.out), []


def doc(block):
    return ("# A page\n\nThe trace:\n\n"
            "<!-- lifecheck: $ build/lifecheck list-properties -->\n"
            "```text\n" + "\n".join(block) + "\n```\n")


class Documents(unittest.TestCase):
    """check_doc, the way ctest runs it: the message names file:line."""

    def check(self, block):
        problems, checked, _ = docs_examples.check_doc("page.md", doc(block), FakeRunner(OUTPUT))
        self.assertEqual(checked, 1)
        return problems

    def test_whole_block_passes(self):
        self.assertEqual(self.check(OUTPUT), [])

    def test_block_missing_its_last_line_fails_with_file_line_and_diff(self):
        problems = self.check(OUTPUT[:-1])
        self.assertEqual(len(problems), 1)
        # The block's fence is line 6; its last shown line, line 11.
        self.assertTrue(problems[0].startswith("page.md:11: lifecheck list-properties (the block at line 6): "),
                        problems[0])
        self.assertIn("--- doc", problems[0])
        self.assertIn("+++ binary", problems[0])
        self.assertIn("+run completed without a violation", problems[0])

    def test_block_missing_its_first_line_fails_with_file_line_and_diff(self):
        problems = self.check(OUTPUT[1:])
        self.assertEqual(len(problems), 1)
        self.assertTrue(problems[0].startswith("page.md:7: lifecheck list-properties (the block at line 6): "),
                        problems[0])
        self.assertIn("+x.life: simulation with seed 1 under P314g", problems[0])

    def test_block_with_dots_at_both_ends_passes(self):
        self.assertEqual(self.check(["..."] + OUTPUT[1:-1] + ["..."]), [])


if __name__ == "__main__":
    unittest.main()
