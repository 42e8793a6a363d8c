// Progressive enhancement only: every page works without this file. It
// shows the reply box's formatting buttons, which wrap the selected text
// in the marks the server turns into formatting.
document.querySelectorAll(".toolbar-mini").forEach(function (bar) {
  var box = document.getElementById(bar.dataset.for);
  if (!box) return;
  bar.hidden = false;
  bar.addEventListener("click", function (e) {
    var b = e.target.closest("button");
    if (!b) return;
    var s = box.selectionStart, t = box.selectionEnd, v = box.value;
    if (b.dataset.wrap) {
      var m = b.dataset.wrap;
      box.value = v.slice(0, s) + m + v.slice(s, t) + m + v.slice(t);
      box.setSelectionRange(s + m.length, t + m.length);
    } else if (b.dataset.prefix) {
      var start = v.lastIndexOf("\n", s - 1) + 1;
      box.value = v.slice(0, start) + b.dataset.prefix + v.slice(start);
      box.setSelectionRange(s + b.dataset.prefix.length, t + b.dataset.prefix.length);
    }
    box.focus();
  });
});
