// The intake page's duplicate panel: when the category changes, ask the server
// for the enterprise's and the district's open and recent tickets of that
// category (GET /tickets/new/duplicates) and show them. Without this script the
// panel shows what the page was sent with.
document.addEventListener("DOMContentLoaded", function () {
  var panel = document.querySelector("aside.duplicates[data-url]");
  var category = document.getElementById("category");
  if (!panel || !category) return;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function row(item, withEnterprise) {
    var tr = el("tr");
    tr.setAttribute("data-testid", "duplicate");
    var first = el("td");
    var link = el("a", "mono", item.number);
    link.href = item.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.setAttribute("data-testid", "duplicate-number");
    first.appendChild(link);
    first.appendChild(el("br"));
    first.appendChild(el("span", "status status-" + item.status, item.status_label));
    var second = el("td", "", item.category_label + " · " + item.registered_on);
    if (withEnterprise) {
      second.appendChild(el("br"));
      second.appendChild(el("span", "muted small", item.enterprise));
    }
    second.appendChild(el("br"));
    second.appendChild(el("span", "small", item.description));
    tr.appendChild(first);
    tr.appendChild(second);
    return tr;
  }

  function fill(testid, items, withEnterprise) {
    var table = panel.querySelector('[data-testid="' + testid + '"]');
    var empty = panel.querySelector('[data-testid="' + testid + '-empty"]');
    if (!table) return;
    var body = table.tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    items.forEach(function (item) { body.appendChild(row(item, withEnterprise)); });
    table.hidden = items.length === 0;
    if (empty) empty.hidden = items.length !== 0;
  }

  var asked = 0;
  category.addEventListener("change", function () {
    var mine = ++asked;
    var url = panel.getAttribute("data-url") + "&category=" + encodeURIComponent(category.value);
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || mine !== asked) return;   // an answer overtaken by a later change
        fill("duplicates-enterprise", data.enterprise, false);
        fill("duplicates-place", data.place, true);
        var noCategory = panel.querySelector('[data-part="no-category"]');
        var noneNearby = panel.querySelector('[data-part="none-nearby"]');
        if (noCategory) noCategory.hidden = Boolean(data.category);
        if (noneNearby) noneNearby.hidden = !data.category;
        panel.setAttribute("data-category", data.category);
      })
      .catch(function () { /* the panel keeps what it showed */ });
  });
});
