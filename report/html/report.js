// lifecheck HTML report: builds the timeline and the heap view from the JSON
// report embedded in the page (#lifecheck-data), and steps through the run.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('lifecheck-data').textContent);
  const run = data.run;
  const steps = run.steps;
  const heaps = buildHeaps();
  const timeline = document.getElementById('timeline');
  let selected = steps.length;

  // The heap before the first step and after each step, from the initial
  // heap and each step's changes; unchanged objects are shared.
  function buildHeaps() {
    if (!run.initial_heap) return steps.map(() => run.heap).concat([run.heap]);
    const out = [run.initial_heap];
    const key = (e) => JSON.stringify([e.from, e.label, e.to, e.kind, Boolean(e.root)]);
    for (const s of steps) {
      const before = out[out.length - 1];
      const d = s.heap_delta;
      if (!d) { out.push(before); continue; }
      const gone = new Set(d.removed);
      const changed = new Map(d.objects.map((o) => [o.name, o]));
      const objects = [];
      for (const o of before.objects) {
        if (gone.has(o.name)) continue;
        objects.push(changed.get(o.name) || o);
        changed.delete(o.name);
      }
      for (const o of d.objects) if (changed.has(o.name)) objects.push(o);
      const removedEdges = new Set(d.edges_removed.map(key));
      const edges = before.edges.filter((e) => !removedEdges.has(key(e))).concat(d.edges_added);
      out.push({ objects, edges, globals: d.globals, threads: d.threads,
        gc_garbage: d.gc_garbage, collecting: d.collecting });
    }
    return out;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function place(e, column, row, rowEnd) {
    e.style.gridColumn = String(column);
    e.style.gridRow = rowEnd ? row + ' / ' + rowEnd : String(row);
    timeline.appendChild(e);
    return e;
  }

  // ---- threads: every thread of the scenario, in its order
  const threads = [];
  const addThread = (t) => { if (t && !threads.includes(t)) threads.push(t); };
  (run.heap.threads || []).forEach((t) => addThread(t.name));
  steps.forEach((s) => { addThread(s.thread); s.events.forEach((e) => addThread(e.thread)); });
  const laneColumn = (t) => threads.indexOf(t) + 2;

  // ---- statements: each event carries the line it ran in; a step is
  // headed by its first event's statement (as the text trace is)
  const sourceLines = (data.source || '').split('\n');
  const statementText = (line, fn) => line
    ? 'line ' + line + ': ' + (sourceLines[line - 1] || '').trim() : '(' + (fn || 'runtime') + ')';
  function stepHeading(s) {
    const first = s.events[0];
    if (!first) return { line: s.line, fn: s.function, text: s.statement || '(' + s.function + ')' };
    return { line: first.line, fn: first.function, text: statementText(first.line, first.function) };
  }

  // ---- the timeline: a row per step statement, per statement the step
  // runs on into, and per event
  function buildTimeline() {
    timeline.style.gridTemplateColumns =
        '3.2em repeat(' + threads.length + ', minmax(180px, 1fr))';
    place(el('div', 'lane-head step-head', 'step'), 1, 1);
    threads.forEach((t) => {
      const head = place(el('div', 'lane-head', t), laneColumn(t), 1);
      head.dataset.thread = t;
    });
    const rowOfSeq = new Map();
    let row = 2;
    steps.forEach((s, i) => {
      const n = i + 1;
      if (run.loop_start !== undefined && run.loop_start === i) {
        const mark = place(el('div', 'loop-mark',
            'loop: steps ' + n + '-' + steps.length + ' lead back to this state and repeat forever'),
            '1 / -1', row++);
        mark.dataset.step = n;
      }
      const no = place(el('div', 'step-no', String(n)), 1, row);
      const heading = stepHeading(s);
      const stmt = place(el('div', 'stmt', heading.text), laneColumn(s.thread), row++);
      stmt.title = heading.text + (heading.fn && heading.line ? '   in ' + heading.fn : '');
      stmt.dataset.line = heading.line || 0;
      for (const e of [no, stmt]) {
        e.dataset.step = n;
        e.dataset.thread = s.thread;
        e.addEventListener('click', () => select(n));
      }
      let at = heading;
      s.events.forEach((ev, k) => {
        if ((ev.line || 0) !== (at.line || 0) || ev.function !== at.fn) {
          // the events from here to the next change ran in another statement
          at = { line: ev.line, fn: ev.function, text: statementText(ev.line, ev.function) };
          let all = true;
          for (let j = k; j < s.events.length && s.events[j].line === ev.line &&
              s.events[j].function === ev.function; ++j) all = all && Boolean(s.events[j].verbose);
          const sub = place(el('div', 'stmt sub' + (all ? ' verbose' : ''), at.text),
              laneColumn(ev.thread), row++);
          sub.title = at.text + (at.fn && at.line ? '   in ' + at.fn : '');
          sub.dataset.step = n;
          sub.dataset.thread = ev.thread;
          sub.dataset.line = ev.line || 0;
          sub.addEventListener('click', () => select(n));
        }
        const mark = el('div', 'event' + (ev.verbose ? ' verbose' : ''), ev.text);
        mark.dataset.step = n;
        mark.dataset.seq = ev.seq;
        mark.dataset.thread = ev.thread;
        mark.dataset.kind = ev.kind;
        if (ev.object) mark.dataset.object = ev.object;
        mark.dataset.line = ev.line || 0;
        mark.title = ev.kind + ': ' + ev.text + '   (' + statementText(ev.line, ev.function) + ')';
        mark.addEventListener('click', () => select(n));
        rowOfSeq.set(ev.seq, row);
        place(mark, laneColumn(ev.thread), row++);
      });
    });
    if (run.violation && steps.length) {
      // The violation itself, in the lane of the step that broke the property.
      const last = steps[steps.length - 1];
      const ids = run.violation.properties.map((p) => p.id).join(', ');
      const mark = place(el('div', 'event failing', 'VIOLATION of ' + ids + ': ' +
          run.violation.message), laneColumn(last.thread), row++);
      mark.dataset.step = steps.length;
      mark.dataset.thread = last.thread;
      mark.addEventListener('click', () => select(steps.length));
    }
    const lastRow = row;
    threads.forEach((t) => {
      const lane = place(el('div', 'lane'), laneColumn(t), 2, lastRow);
      lane.dataset.thread = t;
    });
    // Spans: runtime work, nested by depth inside the lane.
    const spans = run.spans || [];
    for (const sp of spans) {
      if (!rowOfSeq.has(sp.begin)) continue;
      const begin = rowOfSeq.get(sp.begin);
      const end = sp.end !== null && rowOfSeq.has(sp.end) ? rowOfSeq.get(sp.end) + 1 : lastRow;
      const box = place(el('div', 'span span-' + sp.kind + (sp.end === null ? ' open' : '')),
          laneColumn(sp.thread), begin, end);
      box.style.marginLeft = (sp.depth * 8) + 'px';
      box.dataset.kind = sp.kind;
      box.dataset.thread = sp.thread;
      box.dataset.depth = sp.depth;
      if (sp.object) box.dataset.object = sp.object;
      box.title = sp.text + (sp.end === null ? ' (still running when the run ends)' : '');
    }
    // An event sits inside the spans of its thread that contain it.
    timeline.querySelectorAll('.event[data-seq]').forEach((mark) => {
      const seq = Number(mark.dataset.seq);
      const depth = spans.filter((sp) => sp.thread === mark.dataset.thread && sp.begin <= seq &&
          (sp.end === null || seq <= sp.end)).length;
      mark.style.paddingLeft = (12 + depth * 8) + 'px';
      mark.style.setProperty('--depth', depth);
      mark.dataset.depth = depth;
    });
  }

  // ---- the heap after step i, compared with the step before
  const byName = (heap) => new Map((heap ? heap.objects : []).map((o) => [o.name, o]));
  const edgeKey = (e) => e.from + '|' + e.label + '|' + e.to;
  const stateText = (o) => 'rc=' + o.rc + (o.tracked ? ' ' + (o.list || 'tracked') : '') +
      o.flags.map((f) => ' ' + f).join('');
  const refsText = (heap, name) => heap.edges.filter((e) => e.from === name)
      .map((e) => (e.label ? e.label + ' ' : '') + (e.kind === 'weak' ? '\u21e2 ' : '\u2192 ') + e.to)
      .join(', ');

  function heapCaption(i) {
    if (i === 0) return 'before step 1';
    const s = steps[i - 1];
    return 'after step ' + i + ' of ' + steps.length + ' [' + s.thread + '] ' +
        stepHeading(s).text;
  }

  function renderTable(cur, prev, prevMap, curMap) {
    const body = document.querySelector('#heap-table tbody');
    body.textContent = '';
    const row = (o, status) => {
      const tr = el('tr', status);
      tr.dataset.object = o.name;
      const before = prevMap.get(o.name);
      const cells = [['name', o.name], ['type', o.type],
        ['rc', status === 'gone' ? '' : String(o.rc)],
        ['state', status === 'gone' ? 'freed' : stateText(o).replace(/^rc=\S+ ?/, '')],
        ['refs', status === 'gone' ? '' : refsText(cur, o.name)]];
      for (const [cls, text] of cells) {
        const td = el('td', cls, text);
        if (status === 'kept' && before) {
          const was = cls === 'rc' ? String(before.rc)
              : cls === 'state' ? stateText(before).replace(/^rc=\S+ ?/, '')
              : cls === 'refs' ? refsText(prev, o.name) : text;
          if (was !== text) {
            td.classList.add('changed');
            td.title = 'was: ' + (was || '(nothing)');
            tr.classList.add('changed');
          }
        }
        tr.appendChild(td);
      }
      body.appendChild(tr);
    };
    for (const o of cur.objects) row(o, prevMap.has(o.name) || !prev ? 'kept' : 'added');
    if (prev) for (const o of prev.objects) if (!curMap.has(o.name)) row(o, 'gone');
    const roots = document.querySelector('#roots-table tbody');
    roots.textContent = '';
    const rootRow = (name, text) => {
      const tr = el('tr');
      tr.dataset.root = name;
      tr.appendChild(el('td', 'name', name));
      tr.appendChild(el('td', 'refs', text));
      roots.appendChild(tr);
    };
    for (const [g, v] of Object.entries(cur.globals)) rootRow('global ' + g, v);
    for (const t of cur.threads) {
      const held = cur.edges.filter((e) => e.root && e.from === 'thread ' + t.name)
          .map((e) => (e.label ? e.label + ' \u2192 ' : '') + e.to).join(', ');
      rootRow('thread ' + t.name, t.status + (held ? '; holds ' + held : ''));
    }
    if (cur.gc_garbage.length) rootRow('gc.garbage', cur.gc_garbage.join(', '));
    rootRow('collector', cur.collecting ? 'collecting' : 'not collecting');
  }

  function renderDrawing(cur, prev, prevMap, curMap) {
    const layout = data.layout;
    if (!layout.available) return;
    const curEdges = new Set(cur.edges.map(edgeKey));
    const prevEdges = new Set(prev ? prev.edges.map(edgeKey) : []);
    for (const [name, node] of Object.entries(layout.nodes)) {
      const g = document.getElementById(node.id);
      if (!g) continue;
      const o = curMap.get(name), before = prevMap.get(name);
      let status;
      const holds = (heap) => Boolean(heap) && heap.edges.some((e) => e.root && e.from === name);
      if (node.root) status = holds(cur) ? 'kept' : holds(prev) ? 'gone' : 'absent';
      else if (o) status = !prev || before ? 'kept' : 'added';
      else status = before ? 'gone' : 'absent';
      const changed = o && before && stateText(o) !== stateText(before);
      g.classList.toggle('absent', status === 'absent');
      g.classList.toggle('added', status === 'added');
      g.classList.toggle('gone', status === 'gone');
      g.classList.toggle('changed', Boolean(changed));
      g.classList.toggle('finalized', Boolean(o && o.flags.includes('finalized')));
      g.classList.toggle('cleared', Boolean(o && o.flags.includes('cleared')));
      g.dataset.status = changed ? 'changed' : status;
      const texts = g.querySelectorAll('text');
      if (!node.root && texts.length >= 3) texts[2].textContent = o ? stateText(o) : 'freed';
    }
    for (const [key, id] of Object.entries(layout.edges)) {
      const g = document.getElementById(id);
      if (!g) continue;
      const now = curEdges.has(key), was = prevEdges.has(key);
      g.classList.toggle('absent', !now && !was);
      g.classList.toggle('added', Boolean(now && prev && !was));
      g.classList.toggle('gone', !now && was);
      g.dataset.status = now ? (prev && !was ? 'added' : 'kept') : was ? 'gone' : 'absent';
    }
  }

  function renderSource(i) {
    const line = i > 0 ? stepHeading(steps[i - 1]).line : undefined;
    document.querySelectorAll('#source .line').forEach((l) => {
      l.classList.toggle('current', Number(l.dataset.line) === line);
    });
  }

  function select(i) {
    selected = Math.max(0, Math.min(steps.length, i));
    document.body.dataset.selectedStep = selected;
    timeline.querySelectorAll('.selected').forEach((e) => e.classList.remove('selected'));
    timeline.querySelectorAll('[data-step="' + selected + '"]')
        .forEach((e) => e.classList.add('selected'));
    const cur = heaps[selected];
    const prev = selected > 0 ? heaps[selected - 1] : null;
    const prevMap = byName(prev), curMap = byName(cur);
    document.getElementById('heap-step').textContent = heapCaption(selected);
    renderTable(cur, prev, prevMap, curMap);
    renderDrawing(cur, prev, prevMap, curMap);
    renderSource(selected);
    const row = timeline.querySelector('.stmt[data-step="' + selected + '"]');
    if (row && row.scrollIntoView) row.scrollIntoView({ block: 'nearest' });
  }

  function buildSource() {
    const pre = document.getElementById('source');
    (data.source || '').split('\n').forEach((text, i) => {
      const line = el('span', 'line');
      line.dataset.line = i + 1;
      line.appendChild(el('span', 'no', String(i + 1)));
      line.appendChild(document.createTextNode(text));
      pre.appendChild(line);
    });
  }

  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const moves = { ArrowDown: 1, ArrowRight: 1, j: 1, ArrowUp: -1, ArrowLeft: -1, k: -1 };
    if (e.key in moves) select(selected + moves[e.key]);
    else if (e.key === 'Home') select(0);
    else if (e.key === 'End') select(steps.length);
    else return;
    e.preventDefault();
  });
  document.getElementById('show-verbose').addEventListener('change', (e) => {
    timeline.classList.toggle('show-verbose', e.target.checked);
  });

  if (!data.layout.available) document.getElementById('heap-note').textContent = data.layout.note;
  const header = document.querySelector('header');
  if (header) document.documentElement.style.setProperty('--header-height', header.offsetHeight + 'px');
  buildTimeline();
  buildSource();
  select(steps.length);
  document.body.dataset.ready = 'true';
})();
