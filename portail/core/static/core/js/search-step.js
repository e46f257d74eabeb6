/* The « Rechercher » step of a long choice list submits the GET form #pp-recherche, which reloads the page:
   carry along what the person already entered in the form named by data-pp-keep, so the page comes back
   filled as it was (the server takes these values as the form's initial values; nothing is saved). Without
   JavaScript the search still works, only the entries are not carried. */
(function () {
  "use strict";
  var search = document.getElementById("pp-recherche");
  if (!search || !search.hasAttribute("data-pp-keep")) { return; }
  search.addEventListener("submit", function () {
    var source = document.getElementById(search.getAttribute("data-pp-keep"));
    if (!source) { return; }
    Array.prototype.forEach.call(source.elements, function (element) {
      if (!element.name || element.name === "csrfmiddlewaretoken" || element.disabled || element.value === "") { return; }
      if (/^(submit|button|hidden|file|password)$/.test(element.type)) { return; }
      if ((element.type === "checkbox" || element.type === "radio") && !element.checked) { return; }
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = element.name;
      copy.value = element.value;
      search.appendChild(copy);
    });
  });
}());
