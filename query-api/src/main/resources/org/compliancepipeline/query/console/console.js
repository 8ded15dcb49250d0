// The analyst console: plain JavaScript over the query API (/v1), with the analyst's API key.
// Every panel says which store answered (the API's "source").
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = { key: '', fw: '', org: '', filters: {}, cursor: null, chart: null, liveAbort: null, scores: new Map() };

  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  // Highlight fragments come from Elasticsearch with <mark> tags around the matches: escape everything, then restore only those.
  const marked = (s) => esc(s).replace(/&lt;mark&gt;/g, '<mark>').replace(/&lt;\/mark&gt;/g, '</mark>');
  const band = (score) => (score < 50 ? 'bad' : score < 80 ? 'mid' : 'good');

  async function api(path) {
    const r = await fetch(path, { headers: { Authorization: 'Bearer ' + state.key } });
    const body = r.headers.get('Content-Type')?.startsWith('application/json') ? await r.json() : null;
    if (!r.ok) throw new Error((body && body.message) || (r.status + ' ' + r.statusText));
    return body;
  }

  function showError(e) {
    $('error').hidden = !e;
    $('error').textContent = e ? String(e.message || e) : '';
  }

  async function loadBoard() {
    const board = await api(`/v1/leaderboard/${encodeURIComponent(state.fw)}?limit=50`);
    $('board-source').textContent = 'from ' + board.source;
    $('orgs').innerHTML = board.entries.map((e) => `<option value="${esc(e.orgId)}">`).join('');
    state.scores = new Map(board.entries.map((e) => [e.orgId, e.score]));
    if (!state.org && board.entries.length) state.org = board.entries[0].orgId;
    $('org').value = state.org;
    renderCards();
  }

  function renderCards() {
    $('cards').innerHTML = [...state.scores.entries()].map(([org, score]) =>
      `<div class="card ${band(score)} ${org === state.org ? 'selected' : ''}" data-org="${esc(org)}">
         <div class="org">${esc(org)}</div><div class="score">${score.toFixed(1)}</div></div>`).join('');
  }

  async function loadOrg() {
    const base = `/v1/orgs/${encodeURIComponent(state.org)}/frameworks/${encodeURIComponent(state.fw)}`;
    const [score, controls, series] = await Promise.all([
      api(base + '/score'),
      api(base + '/controls?status=NOT_SATISFIED,PARTIALLY_SATISFIED'),
      api(base + '/timeseries?bucket=1d'),
    ]);
    $('selected-title').textContent = state.org;
    $('selected').innerHTML = `<div class="card ${band(score.score)}"><div class="org">score (${esc(score.source)}, cache ${esc(score.cache)})</div>
        <div class="score" id="selected-score">${score.score.toFixed(1)}</div></div>
      <dl class="dl"><dt>satisfied</dt><dd>${score.controls.satisfied}</dd><dt>partially</dt><dd>${score.controls.partiallySatisfied}</dd>
        <dt>not satisfied</dt><dd>${score.controls.notSatisfied}</dd><dt>not applicable</dt><dd>${score.controls.notApplicable}</dd>
        <dt>unknown</dt><dd>${score.controls.unknown}</dd><dt>updated</dt><dd>${esc(score.updatedAt)}</dd></dl>`;
    $('controls-source').textContent = `${controls.count} from ${controls.source}, titles from the control catalog`;
    $('controls').tBodies[0].innerHTML = controls.controls.map((c) => `<tr><td>${esc(c.controlId)}</td><td>${esc(c.title ?? '')}</td>
        <td>${esc(c.familyTitle ?? c.family ?? '')}</td><td><span class="status ${esc(c.status)}">${esc(c.status)}</span></td>
        <td>${esc(c.observedAt)}</td><td><code>${esc(c.recordId)}</code></td></tr>`).join('');
    drawChart(series);
    renderCards();
  }

  function drawChart(series) {
    $('series-source').textContent = `from ${series.source} (${series.method}, ${series.bucket} buckets)`;
    const xs = series.points.map((p) => Date.parse(p.bucket) / 1000);
    const score = series.points.map((p) => p.score);
    const pass = series.points.map((p) => (p.passRate == null ? null : p.passRate * 100));
    const width = Math.max(300, $('chart').clientWidth || 600);
    if (state.chart) state.chart.destroy();
    state.chart = new uPlot({
      width, height: 240, spanGaps: true,
      scales: { y: { range: [0, 100] } },
      series: [{}, { label: 'score', stroke: '#2d6cdf', width: 2 }, { label: 'pass rate %', stroke: '#2e7d32', dash: [6, 4] }],
      axes: [{}, { label: '%' }],
    }, [xs, score, pass], $('chart'));
  }

  async function search(more) {
    const params = new URLSearchParams();
    const q = $('q').value.trim();
    if (q) params.set('q', q);
    params.set('framework', state.fw);
    for (const [k, v] of Object.entries(state.filters)) params.set(k, v);
    params.set('size', '10');
    if (more && state.cursor) params.set('cursor', state.cursor);
    const r = await api('/v1/search?' + params);
    $('search-source').textContent = 'from ' + r.source;
    $('search-total').textContent = `${r.total} findings`;
    const items = r.hits.map((h) => {
      const rec = h.record || {};
      const hl = h.highlight || {};
      const title = hl.title ? hl.title.map(marked).join(' … ') : esc(rec.title ?? rec.controlTitle ?? h.recordId);
      const text = hl.description ? hl.description.map(marked).join(' … ') : esc(rec.description ?? '');
      const ctl = hl.controlTitle ? hl.controlTitle.map(marked).join(' ') : esc(rec.controlTitle ?? '');
      return `<li><div><span class="status ${esc(rec.status)}">${esc(rec.status)}</span> <strong class="hit-title">${title}</strong></div>
        <div>${text}</div><div class="meta">${esc(rec.orgId)} · ${esc(rec.controlId)} ${ctl} · ${esc(rec.source)} · ${esc(rec.observedAt)}</div></li>`;
    }).join('');
    $('hits').innerHTML = more ? $('hits').innerHTML + items : items;
    state.cursor = r.nextCursor;
    $('more').hidden = !r.nextCursor;
    const param = { orgId: 'org', framework: 'framework', status: 'status', family: 'family', source: 'source' };
    $('facets').innerHTML = Object.entries(r.facets).filter(([name]) => param[name]).map(([name, counts]) =>
      `<h3>${esc(name)}</h3>` + Object.entries(counts).map(([value, n]) =>
        `<a href="#" class="${state.filters[param[name]] === value ? 'on' : ''}" data-param="${esc(param[name])}" data-value="${esc(value)}">
           <span>${esc(value)}</span><span>${n}</span></a>`).join('')).join('');
  }

  // Live score updates: server-sent events read with fetch, so the API key travels in the header.
  async function live() {
    if (state.liveAbort) state.liveAbort.abort();
    const abort = new AbortController();
    state.liveAbort = abort;
    try {
      const r = await fetch(`/v1/live/scores/${encodeURIComponent(state.fw)}`, { headers: { Authorization: 'Bearer ' + state.key }, signal: abort.signal });
      if (!r.ok) throw new Error('live updates: ' + r.status);
      $('live').className = 'live on';
      $('live').textContent = 'live: on (redis stream)';
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (event.includes('event: score') && data) onScore(JSON.parse(data));
        }
      }
    } catch (e) {
      if (abort.signal.aborted) return;
    }
    $('live').className = 'live off';
    $('live').textContent = 'live: reconnecting';
    setTimeout(() => { if (state.liveAbort === abort) live(); }, 2000);
  }

  function onScore(change) {
    if (change.event !== 'update' || change.score == null) return;
    state.scores.set(change.orgId, Number(change.score));
    renderCards();
    const card = document.querySelector(`.card[data-org="${CSS.escape(change.orgId)}"]`);
    if (card) card.classList.add('flash');
    if (change.orgId === state.org && $('selected-score')) $('selected-score').textContent = Number(change.score).toFixed(1);
  }

  async function connect() {
    state.key = $('key').value.trim();
    state.fw = $('framework').value.trim();
    state.org = $('org').value.trim();
    sessionStorage.setItem('console.key', state.key);
    showError(null);
    try {
      await loadBoard();
      if (state.org) await loadOrg();
      await search(false);
      live();
    } catch (e) {
      showError(e);
    }
  }

  $('connect').addEventListener('submit', (e) => { e.preventDefault(); connect(); });
  $('search').addEventListener('submit', (e) => { e.preventDefault(); search(false).catch(showError); });
  $('more').addEventListener('click', () => search(true).catch(showError));
  $('cards').addEventListener('click', (e) => {
    const card = e.target.closest('.card');
    if (!card) return;
    state.org = card.dataset.org;
    $('org').value = state.org;
    loadOrg().catch(showError);
  });
  $('facets').addEventListener('click', (e) => {
    const a = e.target.closest('a');
    if (!a) return;
    e.preventDefault();
    if (state.filters[a.dataset.param] === a.dataset.value) delete state.filters[a.dataset.param];
    else state.filters[a.dataset.param] = a.dataset.value;
    search(false).catch(showError);
  });
  const saved = sessionStorage.getItem('console.key');
  if (saved) $('key').value = saved;
}());
