// Autocomplete for fields that take a region, industry or procurement category by name or code
// (<input data-names="region" list="...">): as the person types, the datalist is filled from /names/<kind>.
// Fields holding several names separated by 、 complete the last one. No inline script: the CSP forbids it.
(function () {
  var timers = {};
  function lastPart(value) {
    var cut = Math.max(value.lastIndexOf("、"), value.lastIndexOf(";"), value.lastIndexOf("；"));
    return { head: cut >= 0 ? value.slice(0, cut + 1) : "", tail: value.slice(cut + 1).trim() };
  }
  function fill(field) {
    var list = document.getElementById(field.getAttribute("list"));
    var parts = lastPart(field.value);
    if (!list || !parts.tail) { return; }
    fetch("/names/" + field.getAttribute("data-names") + "?q=" + encodeURIComponent(parts.tail),
          { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (entries) {
        list.textContent = "";
        entries.forEach(function (entry) {
          var option = document.createElement("option");
          option.value = parts.head + entry.value;
          option.label = entry.label;
          list.appendChild(option);
        });
      })
      .catch(function () { /* no proposals; the field still takes what is typed */ });
  }
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.getAttribute || !field.getAttribute("data-names")) { return; }
    clearTimeout(timers[field.id]);
    timers[field.id] = setTimeout(function () { fill(field); }, 150);
  });
})();
