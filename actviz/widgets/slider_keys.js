// Arrow keys on a focused slider handle move the slider, in every front end.
//
// Jupyter Notebook 7 handles keys in the capture phase (JupyterLab does it in the bubbling
// phase, after the widget), so its command-mode shortcuts (ArrowLeft/Right: jump to a heading,
// ArrowUp/Down: the next cell) took the arrow keys from a focused slider handle and the page
// jumped. A key whose default is prevented is skipped by that shortcut handler (Lumino's
// CommandRegistry.processKeydownEvent) and still reaches the slider, which handles it as usual.
const KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);

function guard(event) {
  const t = event.target;
  if (KEYS.has(event.key) && t instanceof Element && t.closest(".noUi-handle")) event.preventDefault();
}

export default {
  initialize() {
    if (!window.__actvizSliderKeys) {
      window.addEventListener("keydown", guard, true);
      window.__actvizSliderKeys = true;
    }
  },
  render({ el }) {
    el.style.display = "none";
  },
};
