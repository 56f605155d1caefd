// Keyboard previous/next through consecutive versions on the diff page (the links work without it).
document.addEventListener("keydown", function (e) {
  if (e.altKey || e.ctrlKey || e.metaKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
  var link = e.key === "ArrowLeft" || e.key === "k" ? document.getElementById("prev")
           : e.key === "ArrowRight" || e.key === "j" ? document.getElementById("next") : null;
  if (link) { window.location.href = link.href; }
});
