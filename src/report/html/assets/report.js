// The report page's behaviour: the case table is drawn from the rows' data, a page at a time,
// filtered, searched and sorted; a case's timeline is drawn when its row is opened, from the
// block of timelines it is stored in (inflated by the browser when the block is compressed).
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('case-rows').textContent);
  var rules = data.rules;
  var kinds = data.kinds;
  var rows = data.rows;
  // A row: [id, actions, warnings, next deadline, next deadline in ms, [[rule, kind, at], ...]].
  var ID = 0, ACTIONS = 1, WARNINGS = 2, NEXT = 3, NEXT_MS = 4, BREACHES = 5;
  var PAGE = 50;
  var PRINT_ALL = 500;
  var KEPT_BLOCKS = 16;
  var blockCases = Number(document.body.getAttribute('data-block-cases')) || 64;

  var state = { filter: 'all', query: '', sort: 'input', page: 0 };
  var visible = [];
  var opened = new Set();
  var blocks = new Map();
  var searchText = new Array(rows.length);

  var tbody = document.getElementById('rows');
  var statusLine = document.getElementById('status');
  var pageLine = document.getElementById('page');
  var prev = document.getElementById('prev');
  var next = document.getElementById('next');
  var search = document.getElementById('search');
  var sort = document.getElementById('sort');

  function status(row) {
    if (row[BREACHES].length) return 'breached';
    if (row[ACTIONS]) return 'open';
    return 'clean';
  }

  function passes(row, filter) {
    if (filter === 'breached') return row[BREACHES].length > 0;
    if (filter === 'open') return row[ACTIONS] > 0;
    if (filter === 'clean') return !row[BREACHES].length && !row[ACTIONS];
    return true;
  }

  function text(i) {
    if (searchText[i] === undefined) {
      var row = rows[i];
      var parts = [row[ID]];
      row[BREACHES].forEach(function (b) { parts.push(rules[b[0]], kinds[b[1]]); });
      searchText[i] = parts.join(' ').toLowerCase();
    }
    return searchText[i];
  }

  function compute() {
    var query = state.query.trim().toLowerCase();
    visible = [];
    for (var i = 0; i < rows.length; i++) {
      if (!passes(rows[i], state.filter)) continue;
      if (query && text(i).indexOf(query) < 0) continue;
      visible.push(i);
    }
    if (state.sort === 'deadline') {
      visible.sort(function (a, b) {
        var x = rows[a][NEXT_MS], y = rows[b][NEXT_MS];
        if (x === null && y === null) return a - b;
        if (x === null) return 1;
        if (y === null) return -1;
        return x - y || a - b;
      });
    } else if (state.sort === 'breaches') {
      visible.sort(function (a, b) {
        return rows[b][BREACHES].length - rows[a][BREACHES].length || a - b;
      });
    }
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = String(content);
    return node;
  }

  function caseRow(i) {
    var row = rows[i];
    var s = status(row);
    var tr = el('tr', 'case ' + s);
    tr.setAttribute('data-case', row[ID]);
    var th = el('th');
    th.scope = 'row';
    var button = el('button', 'toggle', row[ID]);
    button.type = 'button';
    button.setAttribute('aria-expanded', opened.has(i) ? 'true' : 'false');
    button.setAttribute('aria-controls', 'detail-' + i);
    button.addEventListener('click', function () { toggle(i, tr, button); });
    th.appendChild(button);
    tr.appendChild(th);
    var badge = el('td');
    badge.appendChild(el('span', 'badge ' + s, s));
    tr.appendChild(badge);
    var breaches = el('td', 'breaches');
    if (row[BREACHES].length) {
      var list = el('ul', 'chips');
      row[BREACHES].forEach(function (b) {
        var li = el('li');
        li.appendChild(el('span', 'rule', rules[b[0]]));
        li.appendChild(document.createTextNode(' '));
        li.appendChild(el('span', 'kind', kinds[b[1]]));
        li.title = rules[b[0]] + ' ' + kinds[b[1]] + ' at ' + b[2];
        list.appendChild(li);
      });
      breaches.appendChild(list);
    } else {
      breaches.textContent = 'none';
    }
    tr.appendChild(breaches);
    tr.appendChild(el('td', 'num', row[ACTIONS]));
    var due = el('td');
    if (row[NEXT]) due.appendChild(el('time', '', row[NEXT]));
    tr.appendChild(due);
    tr.appendChild(el('td', 'num', row[WARNINGS]));
    return tr;
  }

  function detailRow(i) {
    var tr = el('tr', 'detail');
    tr.id = 'detail-' + i;
    var td = el('td');
    td.colSpan = 6;
    td.appendChild(el('p', 'loading', 'Drawing the timeline\u2026'));
    tr.appendChild(td);
    return tr;
  }

  function pages() {
    return Math.max(1, Math.ceil(visible.length / PAGE));
  }

  function render() {
    state.page = Math.min(state.page, pages() - 1);
    var first = state.page * PAGE;
    var shown = visible.slice(first, first + PAGE);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (i) {
      fragment.appendChild(caseRow(i));
      if (opened.has(i)) {
        var detail = detailRow(i);
        fragment.appendChild(detail);
        fill(i, detail);
      }
    });
    tbody.replaceChildren(fragment);
    var all = rows.length;
    statusLine.textContent = visible.length
      ? 'Showing ' + (first + 1) + '\u2013' + (first + shown.length) + ' of ' + visible.length +
        ' case' + (visible.length === 1 ? '' : 's') + (visible.length < all ? ' (of ' + all + ')' : '') + '.'
      : 'No case matches.';
    pageLine.textContent = 'Page ' + (state.page + 1) + ' of ' + pages();
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages() - 1;
    document.getElementById('h-breaches').setAttribute('aria-sort', state.sort === 'breaches' ? 'descending' : 'none');
    document.getElementById('h-deadline').setAttribute('aria-sort', state.sort === 'deadline' ? 'ascending' : 'none');
  }

  function update() {
    compute();
    render();
  }

  function toggle(i, tr, button) {
    if (opened.has(i)) {
      opened.delete(i);
      button.setAttribute('aria-expanded', 'false');
      var detail = document.getElementById('detail-' + i);
      if (detail) detail.remove();
      return;
    }
    opened.add(i);
    button.setAttribute('aria-expanded', 'true');
    var row = detailRow(i);
    tr.after(row);
    fill(i, row);
  }

  function ready() {
    if (document.readyState !== 'loading') return Promise.resolve();
    return new Promise(function (resolve) {
      document.addEventListener('DOMContentLoaded', resolve, { once: true });
    });
  }

  function inflate(base64) {
    var binary = atob(base64.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text();
  }

  function block(b) {
    if (blocks.has(b)) {
      var kept = blocks.get(b);
      blocks.delete(b);
      blocks.set(b, kept);
      return kept;
    }
    var loading = ready().then(function () {
      var node = document.getElementById('tb' + b);
      if (!node) throw new Error('the timelines of this case are missing from the page');
      if (node.getAttribute('data-encoding') === 'plain') return JSON.parse(node.textContent);
      return inflate(node.textContent).then(JSON.parse);
    });
    blocks.set(b, loading);
    if (blocks.size > KEPT_BLOCKS) blocks.delete(blocks.keys().next().value);
    loading.catch(function () { blocks.delete(b); });
    return loading;
  }

  // The text alternative of a timeline, from its picture: each lane's stretches and marks, whose
  // tooltips read `when · what`, then the rule text.
  function textRows(cell) {
    cell.querySelectorAll('tbody[data-from]').forEach(function (tbody) {
      var svg = cell.querySelector('svg.tl');
      if (!svg) return;
      svg.querySelectorAll('g.lane').forEach(function (lane) {
        var name = lane.getAttribute('data-lane');
        lane.querySelectorAll('rect.bar > title, path.mk > title').forEach(function (title) {
          var lines = title.textContent.split('\n');
          var head = lines.shift();
          var cut = head.indexOf(' \u00b7 ');
          var tr = el('tr');
          tr.appendChild(el('td', '', name));
          tr.appendChild(el('td', '', cut < 0 ? '' : head.slice(0, cut)));
          tr.appendChild(el('td', '', cut < 0 ? head : head.slice(cut + 3)));
          tr.appendChild(el('td', 'rule-text', lines.join('\n')));
          tbody.appendChild(tr);
        });
      });
      tbody.removeAttribute('data-from');
    });
  }

  function fill(i, tr) {
    var cell = tr.firstChild;
    block(Math.floor(i / blockCases)).then(function (texts) {
      cell.innerHTML = texts[i % blockCases];
      textRows(cell);
    }).catch(function (error) {
      cell.replaceChildren(el('p', 'bad', 'The timeline cannot be drawn here: ' + error.message));
    });
  }

  // Plain blocks are read at once, so that printing shows every timeline of the cases printed.
  function plainTexts(b) {
    var node = document.getElementById('tb' + b);
    if (!node || node.getAttribute('data-encoding') !== 'plain') return null;
    return JSON.parse(node.textContent);
  }

  var printing = false;
  window.addEventListener('beforeprint', function () {
    if (visible.length > PRINT_ALL || !plainTexts(0)) return;
    printing = true;
    var fragment = document.createDocumentFragment();
    visible.forEach(function (i) {
      var tr = caseRow(i);
      tr.querySelector('button').setAttribute('aria-expanded', 'true');
      fragment.appendChild(tr);
      var detail = detailRow(i);
      var texts = plainTexts(Math.floor(i / blockCases));
      if (texts) {
        detail.firstChild.innerHTML = texts[i % blockCases];
        textRows(detail.firstChild);
      }
      fragment.appendChild(detail);
    });
    tbody.replaceChildren(fragment);
  });
  window.addEventListener('afterprint', function () {
    if (printing) {
      printing = false;
      render();
    }
  });

  document.querySelectorAll('input[name=filter]').forEach(function (radio) {
    radio.addEventListener('change', function () {
      if (!radio.checked) return;
      state.filter = radio.value;
      state.page = 0;
      update();
    });
  });
  // Large tables are searched once typing pauses; others at each key.
  var searching = 0;
  function searchNow() {
    state.query = search.value;
    state.page = 0;
    update();
  }
  search.addEventListener('input', function () {
    clearTimeout(searching);
    if (rows.length > 20000) searching = setTimeout(searchNow, 150);
    else searchNow();
  });
  document.querySelector('form.controls').addEventListener('submit', function (event) {
    event.preventDefault();
  });
  sort.addEventListener('change', function () {
    state.sort = sort.value;
    state.page = 0;
    update();
  });
  prev.addEventListener('click', function () { state.page -= 1; render(); });
  next.addEventListener('click', function () { state.page += 1; render(); });
  document.querySelectorAll('a.case-link').forEach(function (link) {
    link.addEventListener('click', function () {
      var id = link.getAttribute('data-case');
      search.value = id;
      state.query = id;
      state.filter = 'all';
      document.querySelector('input[name=filter][value=all]').checked = true;
      state.page = 0;
      update();
      var index = visible.find(function (i) { return rows[i][ID] === id; });
      if (index === undefined || opened.has(index)) return;
      var tr = Array.prototype.find.call(tbody.querySelectorAll('tr.case'), function (row) {
        return row.getAttribute('data-case') === id;
      });
      if (tr) toggle(index, tr, tr.querySelector('button'));
    });
  });

  var counts = { all: rows.length, breached: 0, open: 0, clean: 0 };
  rows.forEach(function (row) {
    if (passes(row, 'breached')) counts.breached++;
    if (passes(row, 'open')) counts.open++;
    if (passes(row, 'clean')) counts.clean++;
  });
  document.querySelectorAll('[data-count]').forEach(function (node) {
    node.textContent = '(' + counts[node.getAttribute('data-count')] + ')';
  });
  update();
})();
