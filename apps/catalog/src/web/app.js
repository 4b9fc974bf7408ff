// The catalog page's script (plain browser JS, inlined into dist/index.html at build time).
// Data comes from the inline #catalog-data element; routing is the URL hash (#/poc-redis-lock).
/* global document, window */
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('catalog-data').textContent);
  const pocs = data.catalog.pocs;
  const $ = (id) => document.getElementById(id);
  const q = $('q');
  const selects = { series: $('f-series'), service: $('f-service'), concept: $('f-concept'), status: $('f-status') };
  const list = $('poc-list');
  const count = $('count');
  const detail = $('detail');

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'html') node.innerHTML = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  };
  const haystack = (p) =>
    [p.name, p.short, p.title, p.summary, p.claim, p.series, p.whatYoullBuild, ...p.services, ...p.concepts]
      .filter(Boolean)
      .join(' ')
      .toLowerCase();
  const index = new Map(pocs.map((p) => [p.name, haystack(p)]));

  function matches(p) {
    const words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    const text = index.get(p.name);
    if (!words.every((w) => text.includes(w))) return false;
    if (selects.series.value && p.series !== selects.series.value) return false;
    if (selects.service.value && !p.services.includes(selects.service.value)) return false;
    if (selects.concept.value && !p.concepts.includes(selects.concept.value)) return false;
    if (selects.status.value && p.status !== selects.status.value) return false;
    return true;
  }

  const statusBadge = (s) => el('span', { class: `status ${s === 'done' ? 'done' : 'progress'}`, text: s });

  function renderList() {
    const shown = pocs.filter(matches);
    list.replaceChildren(
      ...shown.map((p) =>
        el(
          'li',
          { 'data-name': p.name },
          el(
            'a',
            { href: `#/${p.name}`, class: 'poc-link', 'aria-current': current() === p.name ? 'true' : null },
            el('span', { class: 'title', text: `${p.number !== null ? `${p.number}. ` : ''}${p.title}` }),
            ' ',
            statusBadge(p.status),
            p.measured && p.measured.stale
              ? el('span', { class: 'stale', title: `bench result stale: ${p.measured.stale}`, text: 'stale bench' })
              : null,
            el('span', {
              class: 'meta',
              text: `${p.name} · ${p.series}${p.services.length ? ` · ${p.services.join(', ')}` : ''}`,
            }),
          ),
        ),
      ),
    );
    count.textContent =
      shown.length === pocs.length ? `${pocs.length} POCs` : `Showing ${shown.length} of ${pocs.length} POCs`;
    if (shown.length === 0)
      list.append(el('li', { class: 'empty', text: 'No POC matches. Clear the search or a filter.' }));
  }

  const current = () => decodeURIComponent(window.location.hash.replace(/^#\/?/, ''));

  function code(lines) {
    return el('pre', {}, el('code', { text: lines.join('\n') }));
  }

  function renderDetail() {
    const name = current();
    const p = pocs.find((x) => x.name === name || x.short === name);
    for (const a of list.querySelectorAll('a.poc-link'))
      a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${p ? p.name : ''}`);
    if (!p) {
      detail.replaceChildren(
        el('p', {
          class: 'hint',
          text: name ? `No POC named "${name}".` : 'Choose a POC to see its commands, measured numbers and README.',
        }),
      );
      return;
    }
    const parts = [];
    parts.push(el('p', {}, el('a', { href: '#/', class: 'back', text: '← All POCs' })));
    parts.push(
      el(
        'h2',
        { id: 'detail-title', tabindex: '-1' },
        `${p.number !== null ? `${p.number}. ` : ''}${p.title} `,
        statusBadge(p.status),
      ),
    );
    parts.push(el('p', { class: 'summary', text: p.summary }));
    parts.push(
      el(
        'dl',
        { class: 'facts' },
        el('dt', { text: 'Package' }),
        el('dd', {}, el('code', { text: p.name }), ` in ${p.dir}`),
        el('dt', { text: 'Series' }),
        el('dd', { text: p.series }),
        el('dt', { text: 'Services' }),
        el('dd', { text: p.services.join(', ') || 'none' }),
        el('dt', { text: 'Concepts' }),
        el('dd', { text: p.concepts.join(', ') }),
      ),
    );
    parts.push(el('h3', { text: 'Run it' }));
    parts.push(
      code([
        `${p.commands.run}            # demo, servers started for you`,
        `${p.commands.run} --test     # its tests`,
        `${p.commands.run} --bench    # its benchmark`,
      ]),
    );
    parts.push(el('p', { class: 'alt', text: `or: ${p.commands.demo} · ${p.commands.test} · ${p.commands.bench}` }));

    parts.push(el('h3', { text: 'Measured vs claimed' }));
    const m = p.measured;
    const table = el(
      'table',
      { class: 'claim' },
      el('tr', {}, el('th', { scope: 'row', text: 'Roadmap claim' }), el('td', { text: p.claim || '—' })),
      el(
        'tr',
        {},
        el('th', { scope: 'row', text: 'Measured' }),
        el('td', { class: 'headline', text: m ? m.headline : 'Not measured yet: run the bench.' }),
      ),
    );
    if (m) {
      const notes = [];
      if (m.stale) notes.push(`stale: ${m.stale} (re-run the bench)`);
      if (!m.rawSamples) notes.push('no raw samples (result file schema 1)');
      for (const f of m.flags) if (!f.startsWith('stale') && !f.startsWith('v1:')) notes.push(f);
      table.append(
        el(
          'tr',
          {},
          el('th', { scope: 'row', text: 'Result' }),
          el('td', {
            class: notes.length ? 'flags flagged' : 'flags',
            text: notes.length ? notes.join('; ') : 'current, no flags',
          }),
        ),
      );
    }
    parts.push(table);
    if (m)
      parts.push(
        el('p', {
          class: 'alt',
          text: `${m.date.slice(0, 10)} · ${m.command} · ${m.machine}${m.services ? ` · ${m.services}` : ''}`,
        }),
      );
    for (const svg of data.charts[p.name] || []) parts.push(el('figure', { class: 'ratio', html: svg }));

    parts.push(el('h3', { text: 'Related POCs' }));
    parts.push(
      p.related.length
        ? el(
            'ul',
            { class: 'related' },
            ...p.related.map((r) =>
              el(
                'li',
                {},
                r.inCatalog
                  ? el('a', { href: `#/${r.name}`, text: r.name })
                  : el('span', { text: `${r.name} (planned)` }),
              ),
            ),
          )
        : el('p', { text: 'None listed.' }),
    );
    if (p.issues.length) {
      parts.push(el('h3', { text: 'What is missing or flagged' }));
      parts.push(
        el(
          'ul',
          { class: 'issues' },
          ...p.issues.map((i) =>
            el(
              'li',
              { class: i.level },
              i.level === 'warning' ? 'warning: ' : '',
              el('code', { text: i.field }),
              `: ${i.message}`,
            ),
          ),
        ),
      );
    }
    const readme = data.readmes[p.name];
    parts.push(el('h3', { text: 'README' }));
    parts.push(
      readme
        ? el('section', { class: 'readme', 'aria-label': `${p.title} README`, html: readme })
        : el('p', { text: 'No README yet.' }),
    );
    detail.replaceChildren(...parts);
    const title = $('detail-title');
    if (title) title.focus();
  }

  for (const control of [q, ...Object.values(selects)])
    control.addEventListener(control === q ? 'input' : 'change', renderList);
  $('filters').addEventListener('submit', (e) => e.preventDefault());
  window.addEventListener('hashchange', renderDetail);
  renderList();
  renderDetail();
  document.body.dataset.ready = 'true';
})();
