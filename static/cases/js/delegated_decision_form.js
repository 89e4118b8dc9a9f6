// Choosing the decision maker (or the date) reloads the form so that only the points
// delegated to their role are offered; what was typed is kept in the query string.
// A static file, not an inline script: the Content Security Policy allows only these.
(function () {
  "use strict";
  const form = document.getElementById("delegateddecision_form");
  if (!form) return;
  for (const name of ["decision_maker", "decided_on"]) {
    const field = form.elements[name];
    if (!field) continue;
    field.addEventListener("change", function () {
      const params = new URLSearchParams(window.location.search);
      for (const keep of ["decision_maker", "decided_on", "description", "counterpart", "registration_id"]) {
        const element = form.elements[keep];
        if (element && element.value) params.set(keep, element.value); else params.delete(keep);
      }
      window.location.search = params.toString();
    });
  }
})();
