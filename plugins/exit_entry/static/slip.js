// The slip's print button (the page allows no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-slip");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
});
