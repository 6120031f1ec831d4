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
  keepUnsentForms();
  dragCardsBetweenColumns();
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

// A form sent after the session expired (or its token went stale) saves nothing: the server sends the
// person back to the form's page with ?unsent=1, after signing in again, and this puts back what they
// typed. The copy lives only in this browser tab (sessionStorage) and never holds passwords or files.
const UNSENT = "voc-unsent-form";
const NOT_KEPT = new Set(["csrf_token", "submission_key"]);
const NOT_TYPED = new Set(["password", "file", "submit", "button", "reset"]);

function keepUnsentForms() {
  // Forms with a password (signing in, changing it) are never kept, nor do they replace the copy.
  document.querySelectorAll("form[method=post]:not(:has(input[type=password]))").forEach((form) => {
    form.addEventListener("submit", () => {
      const fields = [];
      for (const element of form.elements) {
        if (!element.name || NOT_KEPT.has(element.name) || NOT_TYPED.has(element.type)) continue;
        if (["checkbox", "radio"].includes(element.type) && !element.checked) continue;
        const values = element.multiple ? [...element.selectedOptions].map((o) => o.value) : [element.value];
        values.forEach((value) => fields.push([element.name, value]));
      }
      const names = [...new Set([...form.elements].map((element) => element.name).filter(Boolean))];
      const draft = { page: location.pathname, action: form.getAttribute("action") || "", names, fields };
      sessionStorage.setItem(UNSENT, JSON.stringify(draft));
    });
  });
  const draft = JSON.parse(sessionStorage.getItem(UNSENT) || "null");
  const asked = new URLSearchParams(location.search).has("unsent");
  if (!draft || (!asked && document.body.dataset.signedIn !== "yes")) return;  // e.g. the sign-in page
  sessionStorage.removeItem(UNSENT);  // once restored, or once a page shows it was not needed
  if (!asked || draft.page !== location.pathname) return;
  const form = [...document.querySelectorAll("form[method=post]")].find(
    (candidate) => (candidate.getAttribute("action") || "") === draft.action
  );
  if (!form) return;
  restoreForm(form, draft);
  const note = document.createElement("p");
  note.className = "flash restored";
  note.setAttribute("role", "status");
  note.textContent = "What you typed before is back in the form: check it and send it again.";
  form.before(note);
}

function restoreForm(form, draft) {
  const values = new Map(draft.names.map((name) => [name, []]));
  draft.fields.forEach(([name, value]) => values.get(name)?.push(value));
  for (const [name, wanted] of values) {
    if (NOT_KEPT.has(name)) continue;
    let elements = form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
    // Rows added with "Add another …" before sending are added again.
    const row = name.match(/^(\w+)-\d+-/);
    const add = row && form.querySelector(`[data-add-row="${row[1]}"]`);
    for (let tries = 0; !elements.length && add && tries < 100; tries += 1) {
      add.click();
      elements = form.querySelectorAll(`[name="${CSS.escape(name)}"]`);
    }
    elements.forEach((element) => {
      if (NOT_TYPED.has(element.type)) return;
      if (["checkbox", "radio"].includes(element.type)) element.checked = wanted.includes(element.value);
      else if (element.multiple) [...element.options].forEach((o) => { o.selected = wanted.includes(o.value); });
      else if (wanted.length) element.value = wanted[0];
    });
  }
}

// The board: drop a card on another horizon and its own Move form is sent, exactly as if the person had
// chosen that horizon and pressed Move (same CSRF token, same version check, same conflict message).
// Without JS, or from the keyboard, the select and button on each card do the same.
function dragCardsBetweenColumns() {
  const board = document.querySelector(".board[data-drag-cards]");
  if (!board) return;
  board.querySelectorAll(".card").forEach((card) => {
    if (!card.querySelector("form.move")) return;
    card.draggable = true;
    card.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", card.id);
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("dragging");
    });
    card.addEventListener("dragend", () => card.classList.remove("dragging"));
  });
  board.querySelectorAll(".column").forEach((column) => {
    const list = column.querySelector("ol.cards[data-horizon]");
    column.addEventListener("dragover", (event) => {
      event.preventDefault();
      column.classList.add("drop-here");
    });
    column.addEventListener("dragleave", (event) => {
      if (!column.contains(event.relatedTarget)) column.classList.remove("drop-here");
    });
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("drop-here");
      const card = document.getElementById(event.dataTransfer.getData("text/plain"));
      const form = card?.querySelector("form.move");
      if (!form || list.contains(card)) return;
      form.elements.horizon.value = list.dataset.horizon;
      list.querySelector(".empty")?.remove();
      list.prepend(card);  // shown where it was dropped while the server saves it
      form.requestSubmit();
    });
  });
}
