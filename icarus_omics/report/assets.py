"""The report's inline stylesheet and script (no external font, image or library).

The style is a journal's: system sans-serif, a muted palette, booktabs-like table rules
(a heavier rule above and below, a thin one under the header), tabular figures right-aligned.
The script sorts a table when a column header is clicked (numbers by value, text in
natural order so ``P9`` comes before ``P10``; empty cells last in both directions), filters
its rows from the text box above it, and caps long tables until "show all" is pressed.
"""

STYLE = """
:root {
  --ink: #1c2329; --muted: #5d6873; --faint: #8a949d; --rule: #d5dade; --soft: #f5f7f8;
  --accent: #2e5e7e; --accent-soft: #e8f0f5;
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0; color: var(--ink); background: #fff; line-height: 1.55;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif;
  -webkit-font-smoothing: antialiased; text-rendering: optimizeLegibility;
}
.page { max-width: 1120px; margin: 0 auto; padding: 2.75rem 2.25rem 4rem; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.report-head {
  border-bottom: 2px solid var(--ink); padding-bottom: 1.1rem; margin-bottom: 1.75rem;
}
.kicker {
  margin: 0 0 .35rem; color: var(--accent); font-size: .78rem; font-weight: 600;
  letter-spacing: .09em; text-transform: uppercase;
}
h1 {
  font-size: 2rem; font-weight: 650; line-height: 1.2; margin: 0 0 .4rem; letter-spacing: -.01em;
}
.byline { margin: 0; color: var(--muted); font-size: .9rem; }
h2 { font-size: 1.38rem; font-weight: 620; margin: 0 0 .6rem; letter-spacing: -.005em; }
h3 { font-size: .98rem; font-weight: 620; margin: 0; }
.toc { background: var(--soft); border-left: 3px solid var(--accent); padding: .9rem 1.25rem; }
.toc h2 {
  font-size: .78rem; text-transform: uppercase; letter-spacing: .09em; color: var(--muted);
  margin: 0 0 .4rem;
}
.toc ol { margin: 0; padding-left: 1.3rem; columns: 2 18rem; column-gap: 2.5rem; }
.toc li { padding: .1rem 0; break-inside: avoid; }
section { margin: 2.75rem 0 0; padding-top: 1.4rem; border-top: 1px solid var(--rule); }
.lede { font-size: 1.05rem; max-width: 80ch; margin: 0 0 1.2rem; }
.empty { color: var(--muted); font-style: italic; }
.notes { color: var(--muted); font-size: .84rem; margin: 1rem 0 0; padding-left: 1.1rem; }
.figures {
  display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr));
  gap: 1.25rem 2rem; margin: 0 0 1.5rem; align-items: start;
}
figure.plot { margin: 0; }
figure.plot.wide { grid-column: 1 / -1; }
.nowrap { white-space: nowrap; }
figure.plot .image { border: 1px solid var(--rule); padding: .5rem; background: #fff; }
figure.plot svg, figure.plot img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: .86rem; margin-top: .45rem; max-width: 80ch; }
figcaption strong { color: var(--ink); font-weight: 600; }
.table-block { margin: 1.5rem 0 1.75rem; }
.table-tools {
  display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline;
  justify-content: space-between; margin-bottom: .45rem;
}
input.filter {
  font: inherit; font-size: .85rem; padding: .28rem .6rem; min-width: 14rem;
  border: 1px solid var(--rule); border-radius: 4px; color: var(--ink); background: #fff;
}
input.filter:focus { outline: 2px solid var(--accent-soft); border-color: var(--accent); }
.table-scroll { overflow-x: auto; max-width: 100%; }
table.data {
  border-collapse: collapse; font-size: .84rem; font-variant-numeric: tabular-nums;
  border-top: 1.5px solid var(--ink); border-bottom: 1.5px solid var(--ink); min-width: 40%;
}
table.data caption {
  caption-side: bottom; text-align: left; color: var(--muted); font-size: .82rem;
  padding-top: .4rem;
}
table.data th, table.data td { padding: .3rem .75rem; vertical-align: top; white-space: nowrap; }
table.data td.long {
  white-space: normal; min-width: 16rem; max-width: 30rem; overflow-wrap: anywhere;
}
table.data th:first-child, table.data td:first-child { padding-left: .25rem; }
table.data thead th { border-bottom: 1px solid var(--ink); font-weight: 600; text-align: left; }
table.data th.num, table.data td.num { text-align: right; }
table.data tbody tr:nth-child(even) { background: #fbfcfc; }
table.data tbody tr:hover { background: var(--accent-soft); }
th button {
  all: unset; cursor: pointer; display: inline-flex; gap: .3rem; align-items: center;
}
th button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
th button::after { content: "\\2195"; color: var(--faint); font-size: .8em; opacity: .55; }
th[aria-sort="ascending"] button::after { content: "\\25B2"; color: var(--accent); opacity: 1; }
th[aria-sort="descending"] button::after { content: "\\25BC"; color: var(--accent); opacity: 1; }
.table-foot {
  margin: .4rem 0 0; font-size: .8rem; color: var(--muted);
  display: flex; gap: 1rem; align-items: center;
}
button.show-all {
  font: inherit; font-size: .8rem; padding: .15rem .6rem; cursor: pointer; color: var(--accent);
  background: #fff; border: 1px solid var(--rule); border-radius: 4px;
}
button.show-all:hover { border-color: var(--accent); }
.manifest {
  display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.5rem;
  font-size: .86rem; margin: 0;
}
.manifest dt { font-weight: 600; color: var(--muted); }
.manifest dd { margin: 0; min-width: 0; }
pre {
  margin: 0; padding: .6rem .8rem; background: var(--soft); border: 1px solid var(--rule);
  border-radius: 4px; overflow-x: auto; font-size: .78rem; line-height: 1.45;
  font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .8rem; }
details { margin-top: 1rem; font-size: .86rem; }
summary { cursor: pointer; color: var(--accent); margin-bottom: .4rem; }
@media (max-width: 640px) {
  .page { padding: 1.5rem 1rem 3rem; }
  .figures { grid-template-columns: 1fr; }
  .manifest { grid-template-columns: 1fr; }
}
@media print {
  @page { margin: 16mm 14mm; }
  html { font-size: 10pt; }
  .page { max-width: none; padding: 0; }
  a { color: inherit; }
  .toc { background: none; border-left: 0; padding: 0; }
  input.filter, button.show-all, th button::after, details { display: none !important; }
  section { break-before: auto; }
  h2, h3 { break-after: avoid; }
  figure.plot, tr { break-inside: avoid; }
  figure.plot .image { border: 0; padding: 0; }
  .figures { display: block; }
  figure.plot { margin-bottom: 1rem; }
  .table-scroll { overflow: visible; }
  table.data tbody tr:nth-child(even), table.data tbody tr:hover { background: none; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  var collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

  function key(cell, numeric) {
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent.trim(); }
    if (raw === "") { return null; }
    if (!numeric) { return raw; }
    var number = Number(raw);
    return isNaN(number) ? null : number;
  }

  function refresh(block) {
    var table = block.querySelector("table.data");
    var button = block.querySelector("button.show-all");
    var limit = Number(table.getAttribute("data-max-rows"));
    var expanded = table.getAttribute("data-expanded") === "true";
    var query = block.querySelector("input.filter").value.trim().toLowerCase();
    var rows = table.tBodies[0].rows;
    var matched = 0;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var hit = query === "" || rows[i].textContent.toLowerCase().indexOf(query) !== -1;
      if (hit) { matched++; }
      rows[i].hidden = !(hit && (expanded || matched <= limit));
      if (!rows[i].hidden) { shown++; }
    }
    var status = rows.length + (rows.length === 1 ? " row" : " rows");
    if (query !== "") {
      status = matched + " of " + rows.length + " rows match";
      if (shown < matched) { status += ", first " + shown + " shown"; }
    } else if (shown < matched) {
      status = "First " + shown + " of " + rows.length + " rows";
    }
    block.querySelector(".row-status").textContent = status;
    button.hidden = matched <= limit;
    button.textContent = expanded ? "Show first " + limit + " rows"
                                  : "Show all " + matched + " rows";
  }

  function sortBy(block, header) {
    var table = block.querySelector("table.data");
    var headers = table.tHead.rows[0].cells;
    var index = Array.prototype.indexOf.call(headers, header);
    var numeric = header.getAttribute("data-type") === "number";
    var descending = header.getAttribute("aria-sort") === "ascending";
    for (var j = 0; j < headers.length; j++) { headers[j].setAttribute("aria-sort", "none"); }
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var items = Array.prototype.map.call(body.rows, function (row) {
      return { row: row, key: key(row.cells[index], numeric),
               order: Number(row.getAttribute("data-order")) };
    });
    items.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        if (a.key === b.key) { return a.order - b.order; }
        return a.key === null ? 1 : -1;
      }
      var result = numeric ? a.key - b.key : collator.compare(a.key, b.key);
      if (descending) { result = -result; }
      return result || a.order - b.order;
    });
    var fragment = document.createDocumentFragment();
    items.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
    refresh(block);
  }

  document.querySelectorAll(".table-block").forEach(function (block) {
    block.querySelectorAll("thead th").forEach(function (header) {
      header.querySelector("button").addEventListener("click", function () {
        sortBy(block, header);
      });
    });
    block.querySelector("input.filter").addEventListener("input", function () {
      refresh(block);
    });
    block.querySelector("button.show-all").addEventListener("click", function () {
      var table = block.querySelector("table.data");
      var expanded = table.getAttribute("data-expanded") === "true";
      table.setAttribute("data-expanded", expanded ? "false" : "true");
      refresh(block);
    });
    refresh(block);
  });
})();
"""
