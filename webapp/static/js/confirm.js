// Small form behaviours for every page, kept out of the templates so that the CSP can forbid inline script.
// Ask before anything irreversible: any form with data-confirm="question" needs a yes first.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A filter such as <select data-autosubmit> submits its form as soon as it changes.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});
