// Reply phrases (常用语) and knowledge-base articles under the ticket page's answer
// and note: a click inserts the phrase, or the chosen article's title and portal
// address, into the textarea at the cursor (or at the end), where it can be edited.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".phrase-pick").forEach(function (pick) {
    var area = document.getElementById(pick.getAttribute("data-target"));
    if (!area) return;
    pick.hidden = false;
    pick.addEventListener("click", function (event) {
      var button = event.target.closest("button.phrase, button.article-insert");
      if (!button) return;
      var text;
      if (button.classList.contains("article-insert")) {
        var select = pick.querySelector("select");
        var option = select && select.options[select.selectedIndex];
        if (!option) return;
        text = option.getAttribute("data-text");
      } else {
        text = button.getAttribute("data-text");
      }
      var start = area.selectionStart, end = area.selectionEnd;
      if (typeof start !== "number" || document.activeElement !== area) { start = end = area.value.length; }
      var before = area.value.slice(0, start), after = area.value.slice(end);
      if (button.classList.contains("article-insert") && before && !/\s$/.test(before)) { text = "\n" + text; }
      area.value = before + text + after;
      area.focus();
      area.selectionStart = area.selectionEnd = before.length + text.length;
      area.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
});
