// The tidings console: one page, a view per tab, each drawn from its JSON endpoint; overview and quality refresh live.
'use strict';
(() => {
  const csrf = document.querySelector('meta[name=csrf]').content;
  const operator = document.querySelector('meta[name=operator]').content;
  const view = document.getElementById('view');
  const status = document.getElementById('status');
  const REFRESH_MS = 10000;
  let timer = null;
  let charts = [];

  document.getElementById('who').textContent = 'operator ' + operator;

  // ---- helpers -------------------------------------------------------------------------------------------

  async function get(path) {
    const r = await fetch('/console/api/' + path, { credentials: 'same-origin' });
    if (r.status === 401) { location.reload(); throw new Error('signed out'); }
    const body = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
    if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
    return body;
  }

  async function post(path, body) {
    const r = await fetch('/console/api/' + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body || {}),
    });
    const out = await r.json().catch(() => ({ error: 'HTTP ' + r.status }));
    if (!r.ok) throw new Error(out.error || ('HTTP ' + r.status));
    return out;
  }

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'onclick' || k === 'onsubmit') e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined) continue;
      e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return e;
  }

  const fmt = (v) => v === null || v === undefined ? '—'
    : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en') : v.toFixed(3))
    : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  const time = (iso) => iso ? iso.replace('T', ' ').replace(/\.\d+/, '').replace(/:\d\dZ$|Z$/, '').slice(0, 16) : '—';
  const secs = (iso) => Date.parse(iso) / 1000;

  function table(rows, columns, actions) {
    if (!rows || rows.length === 0) return el('p', { class: 'muted' }, 'nothing yet');
    const head = el('tr', {}, columns.map(c => el('th', {}, c[1])), actions ? el('th', {}, '') : null);
    const body = rows.map(r => el('tr', {},
      columns.map(([key, , kind]) => {
        const v = r[key];
        const text = kind === 'time' ? time(v) : fmt(v);
        return el('td', { class: typeof v === 'number' ? 'num' : null }, text);
      }),
      actions ? el('td', {}, actions(r)) : null));
    return el('table', {}, el('thead', {}, head), el('tbody', {}, body));
  }

  function card(label, value, sub) {
    return el('div', { class: 'card' }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, fmt(value)),
      sub ? el('div', { class: 'sub' }, sub) : null);
  }

  const COLORS = ['#2f6fde', '#e07b00', '#1e8e3e', '#c0392b', '#7b4fd6'];

  /** Rows bucketed by a time column, as a full window of buckets ending now (empty buckets are 0). */
  function buckets(rows, key, field, stepSecs, n) {
    const end = Math.floor(Date.now() / 1000 / stepSecs) * stepSecs;
    const xs = [];
    for (let i = n - 1; i >= 0; i--) xs.push(end - i * stepSecs);
    const at = new Map(rows.map(r => [Math.floor(secs(r[key]) / stepSecs) * stepSecs, r]));
    return { xs, values: (f) => xs.map(x => at.has(x) ? f(at.get(x)) : (field === null ? null : 0)) };
  }

  /** A time-series chart: xs in seconds, series as [label, values, dashed]. */
  function chart(title, id, xs, series, opts) {
    const box = el('div', { class: 'chart', id }, el('h3', {}, title));
    requestAnimationFrame(() => {
      const width = Math.max(300, box.clientWidth - 16);
      const u = new uPlot({
        width, height: 220,
        scales: { x: { time: true }, y: (opts && opts.y) || {} },
        axes: [{}, { size: 60 }],
        series: [{}].concat(series.map(([label, , dashed], i) => ({ label, stroke: COLORS[i % COLORS.length], width: 2,
          dash: dashed ? [6, 4] : undefined, spanGaps: true,
          fill: i === 0 ? COLORS[0] + '22' : undefined, points: { show: xs.length < 3 } }))),
      }, [xs].concat(series.map(([, values]) => values)), box);
      charts.push(u);
    });
    return box;
  }

  function clear() {
    if (timer) { clearInterval(timer); timer = null; }
    charts.forEach(c => c.destroy());
    charts = [];
  }

  function show(nodes) {
    clear();
    view.replaceChildren(...nodes);
  }

  async function run(action, message) {
    status.textContent = '';
    try {
      const out = await action();
      if (message) status.textContent = '';
      return out;
    } catch (e) {
      status.textContent = e.message;
      throw e;
    }
  }

  const count = (rows, key) => Object.fromEntries((rows || []).map(r => [r[key], r.n]));

  // ---- views ---------------------------------------------------------------------------------------------

  async function overview() {
    const d = await get('overview');
    const readers = count(d.readers, 'status');
    const channels = count(d.channels, 'status');
    const queue = count(d.queue, 'state');
    const hour = count(d.last_hour_by_state, 'state');
    const alive = d.replicas.filter(r => r.alive).length;
    const posts = buckets(d.posts_per_hour, 'hour', 'posts', 3600, 24);
    const sent = buckets(d.sent_per_minute, 'minute', 'sent', 60, 60);
    const nodes = [
      el('h2', {}, 'Overview'),
      el('div', { class: 'cards', id: 'overview-cards' },
        card('Readers active', readers.active || 0, `paused ${readers.paused || 0} · unreachable ${readers.unreachable || 0} · banned ${d.readers_banned}`),
        card('Channels active', channels.active || 0, Object.entries(channels).map(([k, v]) => `${k} ${v}`).join(' · ')),
        card('Queue', (queue.queued || 0) + (queue.claimed || 0) + (queue.sending || 0),
          `queued ${queue.queued || 0} · claimed ${queue.claimed || 0} · sending ${queue.sending || 0}`),
        card('Last hour', hour.sent || 0, Object.entries(hour).map(([k, v]) => `${k} ${v}`).join(' · ') || 'no deliveries'),
        card('Send rate limit', d.send_rate_limit, 'messages per second, whole bot'),
        card('429 answers', d.rate_limited_429, 'since this replica started'),
        card('Unknown outcomes', d.unknown_24h, 'last 24 hours'),
        card('Replicas alive', alive, d.replicas.map(r => r.id).join(', ')),
        card('Model version', d.model_version, 'serving')),
      el('div', { class: 'charts' },
        chart('Posts ingested per hour (24 h)', 'chart-posts', posts.xs, [['posts', posts.values(r => r.posts)]]),
        chart('Send rate, messages/s by minute (limit dashed: ' + fmt(d.send_rate_limit) + '/s)', 'chart-sent', sent.xs,
          [['sent/s', sent.values(r => r.sent / 60)], ['limit', sent.xs.map(() => d.send_rate_limit), true]])),
      el('p', { class: 'muted' }, 'updated ' + time(d.at) + ' UTC, every 10 s'),
    ];
    show(nodes);
    timer = setInterval(() => { if (location.hash === '#overview' || location.hash === '') route(true); }, REFRESH_MS);
  }

  async function quality() {
    const d = await get('quality');
    const h = d.like_rate_per_hour;
    const w = buckets(h, 'hour', null, 3600, 7 * 24);
    const presses = (d.presses_per_day || []).reduce((a, r) => ({ less: a.less + r.less, mutes: a.mutes + r.mutes }), { less: 0, mutes: 0 });
    show([
      el('h2', {}, 'Quality'),
      el('div', { class: 'cards', id: 'quality-cards' },
        card('Channels per reader', d.channels_per_reader_24h.channels_per_reader,
          `distinct channels in the last 24 h, ${fmt(d.channels_per_reader_24h.readers)} readers` +
          (d.channels_per_reader_24h.at ? ` (as of ${time(d.channels_per_reader_24h.at)})` : '')),
        card('Exploration picks', d.exploration_picks.share === null ? '—' : (100 * d.exploration_picks.share).toFixed(1) + ' %',
          `${fmt(d.exploration_picks.exploration)} of ${fmt(d.exploration_picks.picks)} posts taken from candidate sets in the last 24 h came only by the noise`),
        card('"Less" presses', presses.less, 'last 7 days'),
        card('Mutes', presses.mutes, 'channels muted in the last 7 days (still muted)')),
      el('div', { class: 'charts' },
        chart('Like rate per hour (7 days)', 'chart-like-rate', w.xs, [['like rate', w.values(r => r.votes ? r.likes / r.votes : null)]],
          { y: { range: [0, 1] } }),
        chart('Votes per hour (7 days)', 'chart-votes', w.xs, [['votes', w.values(r => r.votes)], ['likes', w.values(r => r.likes)]])),
      el('h2', {}, 'By delivery kind (last 24 hours)'),
      table(d.by_kind, [['kind', 'kind'], ['votes', 'votes'], ['likes', 'likes'], ['like_rate', 'like rate']]),
      el('h2', {}, 'By model version (last 24 hours)'),
      table(d.by_version, [['version', 'version'], ['votes', 'votes'], ['likes', 'likes'], ['like_rate', 'like rate']]),
      el('h2', {}, '"Less from this channel" and mute presses per day'),
      table(d.presses_per_day, [['day', 'day', 'time'], ['less', '"less"'], ['mutes', 'mutes']]),
    ]);
    timer = setInterval(() => { if (location.hash === '#quality') route(true); }, REFRESH_MS);
  }

  async function model(id) {
    const d = await get('model');
    const v = d.versions.slice().reverse();
    // the chosen training's epochs, else the newest training that has them
    const epochs = d.versions.find(r => (id ? String(r.id) === id : true) && Array.isArray(r.train_loss_per_epoch)
      && r.train_loss_per_epoch.length > 0);
    show([
      el('h2', {}, 'Model'),
      el('div', { class: 'cards' }, card('Serving', d.serving), card('AUC on the newest votes', d.auc_newest_votes, d.auc_sample + ' voted deliveries, scores as planned')),
      el('div', { class: 'charts' },
        chart('Loss per version (train, validation)', 'chart-loss', v.map(r => secs(r.created_at)),
          [['train', v.map(r => r.train_loss ?? null)], ['validation', v.map(r => typeof r.validation_loss === 'number' ? r.validation_loss : null)]]),
        epochs && epochChart(epochs)),
      table(d.versions.map(r => Object.assign({}, r, { seconds: typeof r.millis === 'number' ? r.millis / 1000 : null })),
        [['id', 'version'], ['kind', 'kind'], ['created_at', 'swapped in', 'time'], ['vote_count', 'votes'],
        ['epochs_run', 'epochs'], ['best_epoch', 'best'], ['train_loss', 'train loss'], ['validation_loss', 'validation loss'],
        ['stopped_early', 'early stop'], ['seconds', 'time to train (s)'], ['auc', 'AUC'], ['auc_votes', 'AUC votes']],
        (r) => Array.isArray(r.train_loss_per_epoch) && r.train_loss_per_epoch.length
          ? el('a', { href: '#model/' + r.id, 'data-epochs': r.id }, 'epochs') : null),
    ]);
  }

  /** Train and validation loss per epoch of one training (x: the epoch). */
  function epochChart(r) {
    const n = r.train_loss_per_epoch.length;
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const val = Array.isArray(r.validation_loss_per_epoch) ? r.validation_loss_per_epoch : [];
    const box = el('div', { class: 'chart', id: 'chart-epochs' }, el('h3', {}, `Version ${r.id}: loss per epoch (train, validation)`));
    requestAnimationFrame(() => {
      charts.push(new uPlot({
        width: Math.max(300, box.clientWidth - 16), height: 220, scales: { x: { time: false } }, axes: [{}, { size: 60 }],
        series: [{ label: 'epoch' }, { label: 'train', stroke: COLORS[0], width: 2 }, { label: 'validation', stroke: COLORS[1], width: 2 }],
      }, [xs, r.train_loss_per_epoch, xs.map((_, i) => val[i] ?? null)], box));
    });
    return box;
  }

  async function channels() {
    const d = await get('channels');
    const decide = (r) => [
      el('button', { class: 'primary', 'data-approve': r.username, onclick: () => act('channels/' + r.username + '/approve') }, 'Approve'), ' ',
      el('button', { class: 'danger', 'data-reject': r.username, onclick: () => act('channels/' + r.username + '/reject') }, 'Reject')];
    show([
      el('h2', {}, 'Held suggestions'),
      el('div', { id: 'held' }, table(d.held, [['username', 'channel'], ['title', 'title'], ['subscribers', 'subscribers'],
        ['suggested_by', 'suggested by'], ['added_at', 'when', 'time']], decide)),
      el('h2', {}, 'Channels (last 24 hours)'),
      table(d.channels, [['username', 'channel'], ['status', 'status'], ['posts_24h', 'posts'], ['deliveries_24h', 'deliveries'],
        ['votes_24h', 'votes'], ['likes_24h', 'likes'], ['less_24h', 'less'], ['mutes_24h', 'mutes'], ['last_polled_at', 'last poll', 'time'],
        ['last_error', 'last error']]),
    ]);
  }

  async function act(path, body) {
    await run(() => post(path, body));
    await route(true);
  }

  async function readers(id) {
    if (id) return inspector(id);
    const q = new URLSearchParams(location.hash.split('?')[1] || '').get('q') || '';
    const input = el('input', { id: 'reader-query', placeholder: 'reader id or name', value: q });
    const form = el('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); location.hash = '#readers?q=' + encodeURIComponent(input.value); } },
      input, el('button', { class: 'primary', type: 'submit' }, 'Find'));
    const found = q ? (await get('readers?q=' + encodeURIComponent(q))).readers : [];
    show([el('h2', {}, 'Readers'), form,
      table(found, [['id', 'id'], ['first_name', 'name'], ['status', 'status'], ['last_seen_at', 'last seen', 'time'], ['banned_at', 'banned', 'time']],
        (r) => el('a', { href: '#readers/' + r.id, 'data-inspect': r.id }, 'inspect'))]);
  }

  async function inspector(id) {
    const d = await get('readers/' + id);
    const r = d.reader;
    const banned = !!r.banned_at;
    show([
      el('h2', { id: 'inspector' }, `Reader ${r.id} · ${r.first_name || ''}`),
      el('p', {}, `status ${r.status} · language ${r.language} · zone ${r.time_zone} · last seen ${time(r.last_seen_at)}`,
        banned ? ` · banned ${time(r.banned_at)} by ${r.banned_by}` : '', ' ',
        el('button', { class: banned ? '' : 'danger', id: 'ban', onclick: () => act(`readers/${r.id}/${banned ? 'unban' : 'ban'}`) },
          banned ? 'Unban' : 'Ban')),
      el('h2', {}, 'Candidates (best first by key = score × penalty + noise)'),
      el('div', { id: 'candidates' }, table(d.candidates, [['rank', '#'], ['post_id', 'post'], ['channel', 'channel'], ['score', 'score'],
        ['noise', 'noise'], ['penalty_factor', 'penalty ×'], ['key', 'key'], ['less_weight', '"less" weight'], ['text', 'text']])),
      el('h2', {}, '"Less from this channel"'),
      table(d.penalties, [['channel', 'channel'], ['presses', 'presses'], ['weight', 'weight'], ['last_at', 'last', 'time']]),
      el('h2', {}, 'Recent deliveries'),
      el('div', { id: 'deliveries' }, table(d.deliveries, [['id', 'id'], ['post_id', 'post'], ['channel', 'channel'], ['reason', 'kind'],
        ['state', 'state'], ['score', 'score'], ['liked', 'liked'], ['created_at', 'queued', 'time'], ['sent_at', 'sent', 'time'], ['error', 'error']])),
      el('h2', {}, 'Votes'),
      table(d.votes, [['post_id', 'post'], ['channel', 'channel'], ['liked', 'liked'], ['voted_at', 'when', 'time']]),
    ]);
  }

  async function broadcasts() {
    const d = await get('broadcasts');
    const ref = el('input', { id: 'broadcast-post', placeholder: 'post id or https://t.me/channel/123', size: 34 });
    const text = el('textarea', { id: 'broadcast-text', rows: 3, cols: 60, maxlength: 3000,
      placeholder: '…or write a text (plain, up to 3,000 characters)' });
    const when = el('input', { id: 'broadcast-at', type: 'datetime-local' });
    const previewBox = el('div', { class: 'preview', id: 'preview' });
    const at = () => when.value ? new Date(when.value).toISOString() : 'now';
    const preview = async () => {
      const p = await run(() => get(text.value.trim() ? 'preview?text=' + encodeURIComponent(text.value)
        : 'preview?post=' + encodeURIComponent(ref.value)));
      previewBox.replaceChildren(...p.messages.map(m => el('div', { class: 'bubble' },
        m.photo ? el('img', { src: m.photo, alt: '' }) : null,
        (m.photos || []).map(src => el('img', { src, alt: '' })),
        m.html ? frame(m.html) : null,
        m.buttons ? m.buttons.map(row => el('div', { class: 'buttons' }, row.map(b => el('span', {}, b)))) : null)));
    };
    const form = el('form', { class: 'inline', onsubmit: async (e) => { e.preventDefault();
      await act('broadcasts', text.value.trim() ? { text: text.value, at: at() } : { post: ref.value, at: at() }); } },
      ref, text, when, el('span', { class: 'muted' }, '(empty: now; your local time)'),
      el('button', { type: 'button', id: 'preview-button', onclick: preview }, 'Preview'),
      el('button', { type: 'submit', class: 'primary' }, 'Schedule'));
    show([el('h2', {}, 'New broadcast'), form, previewBox,
      el('h2', {}, 'Broadcasts'),
      el('div', { id: 'broadcast-list' }, table(d.broadcasts, [['id', 'id'], ['post_id', 'post'], ['channel', 'channel'], ['text', 'text'],
        ['send_at', 'send at', 'time'], ['state', 'state'], ['queued', 'queued'], ['created_by', 'by']],
        (b) => b.state === 'scheduled'
          ? el('button', { class: 'danger', 'data-cancel': b.id, onclick: () => act('broadcasts/' + b.id + '/cancel') }, 'Cancel') : null))]);
  }

  /** Telegram's HTML subset, shown in a sandboxed frame: no script of the post can run. */
  function frame(html) {
    const f = el('iframe', { sandbox: '', title: 'message' });
    f.srcdoc = '<meta charset="utf-8"><style>body{font:14px/1.4 system-ui,sans-serif;margin:8px;white-space:pre-wrap}</style>' + html;
    return f;
  }

  async function audit() {
    const d = await get('audit');
    show([el('h2', {}, 'Audit'), table(d.audit, [['at', 'when', 'time'], ['operator_id', 'operator'], ['action', 'action'],
      ['target', 'target'], ['detail', 'detail']])]);
  }

  const VIEWS = { overview, quality, model, channels, readers, broadcasts, audit };

  async function route(refresh) {
    const hash = (location.hash || '#overview').slice(1).split('?')[0];
    const [name, arg] = hash.split('/');
    document.querySelectorAll('header nav a').forEach(a => a.classList.toggle('active', a.getAttribute('href') === '#' + name));
    const fn = VIEWS[name] || overview;
    try {
      await fn(arg);
      if (!refresh) status.textContent = '';
      document.body.dataset.view = name;
    } catch (e) {
      status.textContent = e.message;
    }
  }

  window.addEventListener('hashchange', () => route(false));
  route(false);
})();
