// The JSON report against its documented schema (docs/report-schema.json,
// JSON Schema 2020-12, checked with ajv): one scenario and several give the
// same shape, and so do every verdict and command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const lifecheck = process.env.LIFECHECK_BINARY;
const sourceDir = process.env.LIFECHECK_SOURCE_DIR;
const require = createRequire(path.join(process.env.LIFECHECK_NODE_MODULES, 'index.js'));
const Ajv2020 = require('ajv/dist/2020').default;

const schema = JSON.parse(fs.readFileSync(path.join(sourceDir, 'docs/report-schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function report(args) {
  const r = spawnSync(lifecheck, args, { cwd: sourceDir, encoding: 'utf8' });
  assert.ok([0, 1, 3].includes(r.status), `lifecheck ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const j = JSON.parse(r.stdout);
  const ok = validate(j);
  assert.ok(ok, `lifecheck ${args.join(' ')}:\n` + JSON.stringify(validate.errors, null, 2));
  return j;
}

const contract = (name) => 'scenarios/contract/' + name;

test('check: holds, violated, several files, --all, --verbose, --timing, a limit', () => {
  const one = report(['check', '--json', '--quiet', contract('P7.5-ok.life')]);
  assert.equal(one.results.length, 1);
  assert.equal(one.results[0].verdict, 'holds');
  const two = report(['check', '--json', '--quiet', contract('P7.5-ok.life'), contract('P7.5-bug.life')]);
  assert.equal(two.results.length, 2);
  assert.deepEqual(Object.keys(two).sort(), Object.keys(one).sort());
  assert.equal(two.results[1].counterexamples.length, 1);
  report(['check', '--json', '--quiet', '--verbose', '--timing', contract('P7.7-bug.life')]);
  const all = report(['check', '--json', '--quiet', '--all', contract('P7.2-bug.life')]);
  assert.ok(all.results[0].counterexamples.length >= 1);
  const limited = report(['check', '--json', '--quiet', '--max-states', '3', 'scenarios/basics/threads-shared-cycle.life']);
  assert.equal(limited.results[0].verdict, 'limit');
  report(['check', '--json', '--quiet', contract('termination-bug.life')]);
});

test('check --profile all', () => {
  const j = report(['check', '--json', '--quiet', '--profile', 'all', 'scenarios/basics/cycle2-del.life']);
  assert.ok(j.results[0].profiles.length > 1);
  // One budget for every profile: the profiles after it ran out are not explored.
  const spent = report(['check', '--json', '--quiet', '--profile', 'all', '--max-states', '100',
                        'scenarios/basics/threads-shared-cycle.life']);
  assert.ok(spent.results[0].profiles.some((p) => p.explored === false));
});

test('simulate and replay', () => {
  const sim = report(['simulate', '--json', '--seed', '2', 'scenarios/basics/threads-shared-cycle.life']);
  assert.equal(sim.command, 'simulate');
  const cx = report(['check', '--json', '--quiet', contract('P7.20-bug.life')]).results[0].counterexamples[0];
  const rep = report(['replay', '--json', contract('P7.20-bug.life'), cx.replay]);
  assert.equal(rep.results[0].run.outcome, 'violated');
  assert.deepEqual(rep.results[0].run.steps, cx.steps);
});
