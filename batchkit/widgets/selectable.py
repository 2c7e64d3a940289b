"""An HTML table whose rows are clicked to select them (rows carry ``data-job``, as batchkit's views render them)."""

from __future__ import annotations

import anywidget
import traitlets

ESM = """
function render({ model, el }) {
  const mark = () => {
    for (const row of el.querySelectorAll("tr[data-job]")) {
      row.classList.toggle("batchkit-selected", row.dataset.job === model.get("selected"));
    }
  };
  const draw = () => { el.innerHTML = model.get("html"); mark(); };
  el.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-job]");
    if (row) { model.set("selected", row.dataset.job); model.save_changes(); }
  });
  model.on("change:html", draw);
  model.on("change:selected", mark);
  draw();
}
export default { render };
"""
CSS = """
.batchkit-table th, .batchkit-table td { padding: 3px 10px 3px 0; border-bottom: 1px solid #eee; }
.batchkit-table tr[data-job] { cursor: pointer; }
.batchkit-table tr[data-job]:hover td { background: #eef4fb; }
.batchkit-table tr.batchkit-selected td { background: #d4e6f9; }
"""


class SelectableTable(anywidget.AnyWidget):
    """`html`: the table; `selected`: the data-job of the row clicked last ('' for none)."""

    _esm = ESM
    _css = CSS
    html = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("batchkit-table")
