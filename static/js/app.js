// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // "Add another quote": clone the row template instead of a round trip to the server.
  document.querySelectorAll("[data-add-row]").forEach((button) => {
    const list = document.getElementById(button.dataset.addRow);
    const template = document.getElementById(button.dataset.addRow.replace(/s$/, "") + "-template");
    if (!list || !template) return;
    button.addEventListener("click", (event) => {
      event.preventDefault();
      const index = list.children.length;
      const html = template.innerHTML.replaceAll("__index__", String(index));
      list.insertAdjacentHTML("beforeend", html);
      list.lastElementChild.querySelector("textarea")?.focus();
    });
  });
  // A running theme job: reload until it ends, so progress shows without a manual refresh.
  if (document.querySelector("[data-poll=yes]")) {
    setTimeout(() => window.location.reload(), 2000);
  }
  // A second click on submit must not send the form twice.
  document.querySelectorAll("form[data-once]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "yes";
    });
  });
});
