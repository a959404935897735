// The intake form shows a handling mode's own fields only while that mode is chosen
// (立即办: the answer and result; 提级办: the reason; 转交办: the department).
// Without JavaScript every field stays visible, with its hint saying when it applies.
document.addEventListener("DOMContentLoaded", function () {
  var mode = document.getElementById("handling_mode");
  if (!mode) return;
  var fields = document.querySelectorAll(".mode-only");
  function show() {
    fields.forEach(function (el) {
      var wanted = el.classList.contains("mode-" + mode.value) || el.classList.contains("has-error");
      el.hidden = !wanted;
    });
  }
  mode.addEventListener("change", show);
  show();
});
