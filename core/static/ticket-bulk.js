// The ticket list's bulk form: a box in the head ticks or unticks every row of
// the page. Without JavaScript the box stays hidden and rows are ticked one by one.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.bulk-form").forEach(function (form) {
    var all = form.querySelector("input.pick-all");
    if (!all) return;
    var rows = function () { return form.querySelectorAll('input[name="ticket"]'); };
    all.hidden = false;
    all.addEventListener("change", function () {
      rows().forEach(function (box) { box.checked = all.checked; });
    });
    form.addEventListener("change", function (event) {
      if (event.target === all || event.target.name !== "ticket") return;
      var boxes = Array.prototype.slice.call(rows());
      all.checked = boxes.length > 0 && boxes.every(function (box) { return box.checked; });
    });
  });
});
