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
