// The officer select of a dispatch or routing-rule form lists the officers of
// every unit, grouped by unit (<optgroup data-unit>), so the page works without
// JavaScript. With it, only the chosen unit's officers are shown; an officer of
// another unit is unselected when the unit changes.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-officers-of]").forEach(function (officers) {
    if (officers.dataset.filtered) return;   // the script may be included twice on a page
    officers.dataset.filtered = "1";
    var unit = document.getElementById(officers.getAttribute("data-officers-of"));
    if (!unit) return;
    function filter() {
      officers.querySelectorAll("optgroup").forEach(function (group) {
        var mine = group.getAttribute("data-unit") === unit.value;
        group.hidden = !mine;
        group.disabled = !mine;
      });
      var chosen = officers.options[officers.selectedIndex];
      if (chosen && chosen.parentNode.tagName === "OPTGROUP" && chosen.parentNode.disabled) officers.value = "";
    }
    unit.addEventListener("change", filter);
    filter();
  });
});
