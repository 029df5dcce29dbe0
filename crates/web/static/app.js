// salesdesk: the little JavaScript the pages use. Everything works without it.
// Forms marked data-confirm ask before they are sent (e.g. disabling a person).
document.addEventListener("submit", (ev) => {
  const msg = ev.target instanceof HTMLFormElement ? ev.target.dataset.confirm : undefined;
  if (msg && !window.confirm(msg)) ev.preventDefault();
});
