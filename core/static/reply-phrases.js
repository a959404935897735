// Reply phrases (常用语) under the ticket page's answer and note: a click inserts
// the phrase into the textarea at the cursor (or at the end), where it can be edited.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".phrase-pick").forEach(function (pick) {
    var area = document.getElementById(pick.getAttribute("data-target"));
    if (!area) return;
    pick.hidden = false;
    pick.addEventListener("click", function (event) {
      var button = event.target.closest("button.phrase");
      if (!button) return;
      var text = button.getAttribute("data-text");
      var start = area.selectionStart, end = area.selectionEnd;
      if (typeof start !== "number" || document.activeElement !== area) { start = end = area.value.length; }
      var before = area.value.slice(0, start), after = area.value.slice(end);
      area.value = before + text + after;
      area.focus();
      area.selectionStart = area.selectionEnd = before.length + text.length;
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
});
