// The HTML report in a real browser: headless Chromium (Debian's chromium,
// driven by playwright-core) opens reports that lifecheck wrote, steps
// through a counterexample with the keyboard, and checks the lanes, the
// events and the heap at chosen steps against the JSON report of the same
// run. Screenshots go to $LIFECHECK_ARTIFACTS.
//
// Run by ctest (tests/CMakeLists.txt) with LIFECHECK_BINARY, LIFECHECK_SOURCE_DIR,
// LIFECHECK_NODE_MODULES, LIFECHECK_CHROMIUM and LIFECHECK_ARTIFACTS set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(name + ' is not set (ctest sets it)');
  return v;
};
const lifecheck = env('LIFECHECK_BINARY');
const sourceDir = env('LIFECHECK_SOURCE_DIR');
const artifacts = env('LIFECHECK_ARTIFACTS');
const require = createRequire(path.join(env('LIFECHECK_NODE_MODULES'), 'index.js'));
const { chromium } = require('playwright-core');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifecheck-browser-'));
fs.mkdirSync(artifacts, { recursive: true });
let browser;

// Runs lifecheck; returns stdout (exit codes 0 and 1 are both results).
function run(args, extraEnv = {}) {
  const r = spawnSync(lifecheck, args, { cwd: sourceDir, encoding: 'utf8',
    env: { ...process.env, ...extraEnv } });
  assert.ok(r.status === 0 || r.status === 1, `lifecheck ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  browser = await chromium.launch({
    executablePath: env('LIFECHECK_CHROMIUM'),
    headless: true,
    // A fresh profile is Playwright's own temporary --user-data-dir.
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  if (browser) await browser.close();
  fs.rmSync(work, { recursive: true, force: true });
});

async function open(file) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The page must need nothing from the network.
  await page.route(/^(?!file:)/, (route) => { errors.push('network: ' + route.request().url()); route.abort(); });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, errors };
}

const selectedStep = (page) => page.evaluate(() => Number(document.body.dataset.selectedStep));

test('a counterexample: lanes, events, spans and the heap at a chosen step', async () => {
  const scenario = 'scenarios/contract/P7.7-bug.life';
  const dir = path.join(work, 'p77');
  run(['check', '--quiet', '--html', dir, scenario]);
  const report = JSON.parse(run(['check', '--quiet', '--json', '--verbose', scenario]));
  const cx = report.results[0].counterexamples[0];
  const htmlFile = path.join(dir, 'P7.7-bug--P7.7.html');
  assert.ok(fs.existsSync(htmlFile), 'the report is written as ' + htmlFile);
  const { page, errors } = await open(htmlFile);

  // The property, its documented source and the replay command at the top.
  assert.match(await page.textContent('#property'), /VIOLATION of P7\.7/);
  assert.equal(await page.textContent('#replay-command'), cx.replay_command);
  assert.match(await page.textContent('header'), /Doc\/c-api\/lifecycle\.rst/);
  assert.ok(await page.$('#rules article#rule-G13'), 'the cited rule G13 is shown from docs/semantics.md');

  // One lane per thread, in the scenario's order.
  const lanes = await page.$$eval('.lane-head[data-thread]', (h) => h.map((x) => x.textContent));
  assert.deepEqual(lanes, ['main', 'T1', 'T2']);
  assert.equal((await page.$$('.lane')).length, 3);

  // Every event of the run is a mark in its thread's lane, in order.
  // Each carries the scenario line it ran in (0: none), and where a step's
  // events move on to another statement a sub-row names it.
  const marks = await page.$$eval('.event[data-seq]', (m) =>
    m.map((x) => ({ text: x.textContent, thread: x.dataset.thread, step: Number(x.dataset.step),
      line: Number(x.dataset.line) })));
  const events = cx.steps.flatMap((s) => s.events.map((e) => ({ text: e.text, thread: e.thread,
    step: s.step, line: e.line || 0 })));
  assert.deepEqual(marks, events);
  assert.ok(events.some((e) => e.line > 0), 'events have lines');
  const changes = cx.steps.reduce((n, s) => n + s.events.filter((e, k) => k > 0 &&
      (e.line || 0) !== (s.events[k - 1].line || 0)).length, 0);
  assert.equal((await page.$$('.stmt.sub')).length, changes);
  assert.match(await page.textContent('.event.failing'), /VIOLATION of P7\.7/);

  // Runtime work as nested spans: a finalizer inside a phase inside the
  // collection on T1, still running when T2 starts the next finalizer.
  const spans = await page.$$eval('.span', (s) => s.map((x) => ({ kind: x.dataset.kind,
    thread: x.dataset.thread, depth: Number(x.dataset.depth) })));
  assert.deepEqual(spans, cx.spans.map((s) => ({ kind: s.kind, thread: s.thread, depth: s.depth })));
  assert.ok(spans.some((s) => s.kind === 'collection' && s.thread === 'T1' && s.depth === 0));
  assert.ok(spans.some((s) => s.kind === 'finalizer' && s.thread === 'T1' && s.depth === 2));
  assert.equal(await page.$eval('.event.failing', (m) => m.dataset.thread), 'T2');
  assert.ok(await page.$('.span.open[data-kind="finalizer"][data-thread="T1"]'));

  // The page opens at the failing step; Home goes before step 1.
  assert.equal(await selectedStep(page), cx.steps.length);
  await page.keyboard.press('Home');
  assert.equal(await selectedStep(page), 0);

  // Step with the keyboard to the step where the collector finalizes a#1.
  const target = cx.steps.find((s) => s.events.some((e) => e.kind === 'FINALIZE_BEGIN')).step;
  for (let i = 0; i < target; ++i) await page.keyboard.press('ArrowDown');
  assert.equal(await selectedStep(page), target);
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  assert.equal(await selectedStep(page), target);
  assert.match(await page.textContent('#heap-step'), new RegExp('after step ' + target + ' of '));
  assert.ok(await page.$(`.stmt.selected[data-step="${target}"]`), 'the step is highlighted');

  // The heap at that step: the collector has marked a#1 finalized and is
  // running its finalizer; b#2 waits for its turn.
  const rows = await page.$$eval('#heap-table tbody tr', (r) => r.map((x) => ({
    name: x.dataset.object, cls: x.className,
    rc: x.querySelector('td.rc').textContent, state: x.querySelector('td.state').textContent,
    rcChanged: x.querySelector('td.rc').classList.contains('changed'),
    stateChanged: x.querySelector('td.state').classList.contains('changed'),
    refs: x.querySelector('td.refs').textContent })));
  const a = rows.find((r) => r.name === 'a#1');
  const b = rows.find((r) => r.name === 'b#2');
  assert.ok(a && b, 'both members of the cycle are live');
  assert.match(a.state, /finalized/);
  assert.match(a.state, /finalizing/);
  assert.match(a.state, /in-garbage-set/);
  assert.ok(a.stateChanged, 'a#1 became finalized at this step: highlighted');
  assert.match(a.refs, /peer → b#2/);
  assert.match(b.refs, /peer → a#1/);
  assert.doesNotMatch(b.state, /finalizing/);

  // The drawing: one node per object, highlighted the same way.
  const drawn = await page.evaluate(() => {
    const layout = JSON.parse(document.getElementById('lifecheck-data').textContent).layout;
    const out = {};
    for (const [name, node] of Object.entries(layout.nodes)) {
      const g = document.getElementById(node.id);
      out[name] = { status: g.dataset.status, visible: getComputedStyle(g).display !== 'none',
        state: g.querySelectorAll('text')[2] ? g.querySelectorAll('text')[2].textContent : '' };
    }
    return { available: layout.available, nodes: out };
  });
  assert.ok(drawn.available, 'Graphviz laid out the heap');
  assert.equal(drawn.nodes['a#1'].status, 'changed');
  assert.ok(drawn.nodes['a#1'].visible);
  assert.match(drawn.nodes['a#1'].state, /finalized/);

  // Before the objects exist, the drawing hides them.
  await page.keyboard.press('Home');
  const early = await page.$$eval('#heap-table tbody tr', (r) => r.length);
  assert.equal(early, 0);
  assert.equal(await page.evaluate(() => {
    const layout = JSON.parse(document.getElementById('lifecheck-data').textContent).layout;
    return getComputedStyle(document.getElementById(layout.nodes['a#1'].id)).display;
  }), 'none');

  // The refcount and phase events are hidden until asked for.
  const hidden = await page.$$eval('.event.verbose', (m) => m.filter((x) => x.offsetParent !== null).length);
  assert.equal(hidden, 0);
  await page.check('#show-verbose');
  const shown = await page.$$eval('.event.verbose', (m) => m.filter((x) => x.offsetParent !== null).length);
  assert.ok(shown > 0);

  // At the failing step the table is the JSON report's heap.
  await page.keyboard.press('End');
  const last = await page.$$eval('#heap-table tbody tr:not(.gone)', (r) => r.map((x) =>
    ({ name: x.dataset.object, rc: Number(x.querySelector('td.rc').textContent) })));
  assert.deepEqual(last, cx.heap.objects.map((o) => ({ name: o.name, rc: o.rc })));
  await page.keyboard.press('ArrowUp');
  await page.screenshot({ path: path.join(artifacts, 'report-P7.7-bug.png'), fullPage: true });
  assert.deepEqual(errors, []);

  // The reference link opens the rule reference written beside the page.
  await Promise.all([page.waitForNavigation(), page.click('header a[href="semantics.html"]')]);
  assert.ok(await page.$('#rules article#rule-G13'));
  assert.ok(await page.$('#rules article#rule-P7\\.7'));
  await page.close();
});

test('a simulation that completes, and the index page', async () => {
  const dir = path.join(work, 'sim');
  run(['simulate', '--seed', '3', '--html', dir, 'scenarios/basics/threads-shared-cycle.life']);
  const { page, errors } = await open(path.join(dir, 'threads-shared-cycle--seed-3.html'));
  assert.match(await page.textContent('#property'), /Simulation with seed 3/);
  const lanes = await page.$$eval('.lane-head[data-thread]', (h) => h.map((x) => x.textContent));
  assert.deepEqual(lanes, ['main', 'T1', 'T2', 'T3']);
  assert.equal(await page.$('.event.failing'), null);
  // At the end the cycle is gone; only the global weakref to it lives on.
  const alive = await page.$$eval('#heap-table tbody tr:not(.gone)', (r) => r.map((x) => x.dataset.object));
  assert.deepEqual(alive, ['w#3']);
  assert.equal(await page.textContent('#heap-table tr[data-object="w#3"] td.refs'), '');
  await page.screenshot({ path: path.join(artifacts, 'report-simulation.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();

  const index = await browser.newPage();
  await index.goto(pathToFileURL(path.join(dir, 'index.html')).href);
  const links = await index.$$eval('#reports a', (a) => a.map((x) => x.getAttribute('href')));
  assert.deepEqual(links, ['threads-shared-cycle--seed-3.html']);
  await index.close();
});

test('without Graphviz the page says so and still shows the heap as a table', async () => {
  const dir = path.join(work, 'nodot');
  run(['check', '--quiet', '--html', dir, 'scenarios/contract/P7.5-bug.life'],
    { LIFECHECK_DOT: path.join(work, 'no-such-dot') });
  const { page, errors } = await open(path.join(dir, 'P7.5-bug--P7.5.html'));
  assert.match(await page.textContent('#heap-note'), /needs Graphviz.*install the Debian package graphviz/);
  assert.equal(await page.$('#heap-drawing svg'), null);
  const rows = await page.$$eval('#heap-table tbody tr', (r) => r.map((x) => x.dataset.object));
  assert.deepEqual(rows, ['a#1']);
  await page.screenshot({ path: path.join(artifacts, 'report-without-graphviz.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
