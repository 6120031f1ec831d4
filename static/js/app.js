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
  document.querySelectorAll("[data-picker]").forEach(customerPicker);
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

// A customer picker as an ARIA combobox (the WAI-ARIA "list autocomplete" pattern): typing asks the
// server for a few matching customers, arrow keys move through them, Enter or a click picks one and sets
// the hidden id. Without this the field is a plain search that the server resolves when the form is sent.
function customerPicker(wrapper) {
  const input = wrapper.querySelector("input[type=search]");
  const list = wrapper.querySelector("[role=listbox]");
  const chosen = wrapper.querySelector("input[name=customer_id]");
  if (!input || !list || !chosen) return;  // the server is showing choices as radio buttons instead
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  let options = [];
  let active = -1;
  let asked = 0;
  let timer = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }
  };
  const choose = (option) => {
    input.value = option.dataset.label;
    chosen.value = option.dataset.id;
    close();
  };
  const show = (customers, more) => {
    list.replaceChildren();
    options = customers.map((customer, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.id = customer.id;
      option.dataset.label = customer.label;
      option.textContent = customer.label;
      // mousedown, not click: the field keeps focus, so its blur does not close the list first.
      option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(option); });
      return option;
    });
    list.append(...options);
    if (!customers.length || more) {
      const note = document.createElement("li");
      note.className = "hint";
      note.setAttribute("aria-disabled", "true");
      note.textContent = customers.length ? "More match: type more of the name." : "No customer matches.";
      list.append(note);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  };
  const search = async () => {
    const words = input.value.trim();
    const mine = ++asked;
    if (!words) { close(); return; }
    const answer = await fetch(`${wrapper.dataset.picker}?q=${encodeURIComponent(words)}`, {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    });
    if (!answer.ok || mine !== asked) return;  // a later keystroke's answer wins
    const found = await answer.json();
    show(found.customers, found.more);
  };

  input.addEventListener("input", () => {
    chosen.value = "";  // the words changed: the server resolves them unless a suggestion is picked
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) { search(); return; }
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();  // pick the customer, do not send the form yet
      choose(options[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);

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
