// salesdesk: the little JavaScript the pages use. Everything works without it.
// Forms marked data-confirm ask before they are sent (e.g. disabling a person).
document.addEventListener("submit", (ev) => {
  const msg = ev.target instanceof HTMLFormElement ? ev.target.dataset.confirm : undefined;
  if (msg && !window.confirm(msg)) ev.preventDefault();
});
// A block marked data-poll="N" (an import still running) reloads the page every N seconds
// until the server shows it finished.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.querySelector("[data-poll]");
  if (el) window.setTimeout(() => window.location.reload(), Number(el.dataset.poll || 2) * 1000);
});
// The status form (customer page) shows only the evidence the chosen target status needs:
// each target's fieldset is hidden and disabled (so not sent) unless chosen. Without this
// script, the "show" button next to the select reloads the page with the target chosen.
document.addEventListener("DOMContentLoaded", () => {
  for (const sel of document.querySelectorAll("select[data-evidence-switch]")) {
    const form = sel.form;
    const sync = () => {
      for (const fs of form.querySelectorAll("fieldset[data-target]")) {
        const on = fs.dataset.target === sel.value;
        fs.hidden = !on;
        fs.disabled = !on;
      }
    };
    for (const b of form.querySelectorAll(".js-hide")) b.hidden = true;
    sel.addEventListener("change", sync);
    sync();
  }
});
// Province → city (customer form): the city select holds every province's cities in
// <optgroup>s; with a province chosen, only its group stays. Picking a city with no province
// chosen chooses its province.
document.addEventListener("DOMContentLoaded", () => {
  for (const prov of document.querySelectorAll("select[data-cascade]")) {
    const city = document.getElementById(prov.dataset.cascade);
    if (!city) continue;
    const sync = () => {
      const coded = /^\d{6}$/.test(prov.value);
      for (const g of city.querySelectorAll("optgroup[data-province]")) {
        const on = !coded || g.dataset.province === prov.value;
        g.hidden = !on;
        g.disabled = !on;
      }
      const chosen = city.selectedOptions[0];
      if (chosen && chosen.parentElement.disabled) city.value = "";
    };
    prov.addEventListener("change", sync);
    city.addEventListener("change", () => {
      const group = city.selectedOptions[0] && city.selectedOptions[0].parentElement;
      if (!/^\d{6}$/.test(prov.value) && group && group.dataset.province) {
        prov.value = group.dataset.province;
        sync();
      }
    });
    sync();
  }
});
// The pipeline board (/deals/board): a card the reader may move can be dragged onto another
// open stage's column; the drop sends the same form the card's ← / → buttons send (stage,
// version read, the board to come back to), so the server's checks and conflicts are the same.
document.addEventListener("DOMContentLoaded", () => {
  const board = document.querySelector(".board[data-back]");
  if (!board) return;
  let dragged = null;
  for (const card of board.querySelectorAll(".deal-card[draggable=true]")) {
    card.addEventListener("dragstart", (ev) => {
      dragged = card;
      card.classList.add("dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", card.dataset.deal);
    });
    card.addEventListener("dragend", () => {
      card.classList.remove("dragging");
      dragged = null;
    });
  }
  for (const col of board.querySelectorAll(".board-col[data-kind=open]")) {
    col.addEventListener("dragover", (ev) => {
      if (dragged && dragged.closest(".board-col") !== col) {
        ev.preventDefault();
        col.classList.add("drop");
      }
    });
    col.addEventListener("dragleave", () => col.classList.remove("drop"));
    col.addEventListener("drop", (ev) => {
      ev.preventDefault();
      col.classList.remove("drop");
      if (!dragged || dragged.closest(".board-col") === col) return;
      const form = document.createElement("form");
      form.method = "post";
      form.action = `/deals/${dragged.dataset.deal}/move`;
      const fields = { stage_id: col.dataset.stage, version: dragged.dataset.version, back: board.dataset.back };
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      document.body.appendChild(form);
      form.submit();
    });
  }
});
