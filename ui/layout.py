"""The page's look and behaviour: theme (WCAG AA contrast), CSS (sources that open in
place, cards, tables that stack on a phone) and the one script the page needs.

The script makes citation links open their source in place instead of jumping: a marker
opens its <details>, scrolls no further than needed to show it, and the source's "Back to the
answer" returns to the marker that opened it. Without the script the links still work as
plain in-page links. Everything here is served by the app itself (no outbound request).
"""

from __future__ import annotations

import gradio as gr

# AA contrast: white on the primary buttons is 8.6:1 (blue-800) and 6.5:1 on the stop button
# (red-700); Gradio's default orange measured 2.8:1. Subdued text uses the body colour.
THEME = gr.themes.Default(primary_hue="blue", neutral_hue="slate").set(
    button_primary_background_fill="*primary_800",
    button_primary_background_fill_hover="*primary_700",
    button_primary_text_color="white",
    button_cancel_background_fill="#b91c1c",
    button_cancel_background_fill_hover="#991b1b",
    button_cancel_text_color="white",
    color_accent="*primary_700",
    color_accent_soft="*primary_50",
    body_text_color_subdued="*neutral_600",
    link_text_color="*primary_800",
    link_text_color_visited="*primary_800",
    block_label_text_color="*neutral_700",
    block_title_text_color="*neutral_800",
    input_placeholder_color="*neutral_500",
)

CSS = """
.gradio-container { max-width: 1280px !important; }
#title h1 { margin-bottom: 0.2em; }
#collection, #ask-status, #case-status, #compare-status, #rec-status, #upload-status { overflow: visible !important; }
/* Gradio's own subdued texts (footer links, slider bounds, upload hints) at AA contrast. */
footer, footer a, footer button, .max_value, .min_value, .or, .tab-container button { color: var(--neutral-700) !important; }
.tab-container button.selected { color: var(--primary-800) !important; }
#ask-status p, #case-status p, #compare-status p, #rec-status p, #upload-status p { margin: 4px 0; }
.example-group h3 { font-size: 1em; margin: 0 0 4px 0; }
/* Answers and their sources */
#chat .answer-top { display: block; height: 0; }
.sources { margin-top: 10px; font-size: 0.95em; }
.sources-title { margin: 6px 0 2px 0; }
details.src { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 6px 10px; margin: 6px 0;
  background: var(--background-fill-primary); }
details.src > summary { cursor: pointer; }
details.src[open] { border-color: var(--primary-700); border-width: 2px; }
.src-section { display: block; color: var(--body-text-color); font-size: 0.9em; }
.src-dates { color: var(--body-text-color); }
.src-text, .src-context { margin-top: 6px; overflow-wrap: anywhere; }
.src-more { margin-top: 6px; }
.src-cited { background: var(--background-fill-secondary); border-left: 3px solid var(--primary-700); padding-left: 6px; }
mark { background: #fde68a; color: #111827; }
a.back { display: inline-block; margin-top: 6px; }
/* Case cards */
.case { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.case h3 { margin: 0 0 4px 0; font-size: 1.05em; }
.case p { margin: 4px 0; }
.case-why, .case-under { font-size: 0.95em; }
ul.tags { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px; }
ul.tags li { border: 1px solid var(--primary-700); color: var(--primary-800); border-radius: 10px; padding: 0 8px;
  font-size: 0.85em; margin: 0; }
.case-text { margin-top: 6px; }
/* Tables: full width, wrapping text; on a phone each row stacks, cells labelled. */
table.responsive { width: 100%; border-collapse: collapse; table-layout: auto; }
table.responsive caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.responsive th, table.responsive td { border: 1px solid var(--border-color-primary); padding: 6px;
  vertical-align: top; text-align: left; overflow-wrap: anywhere; }
table.responsive ul { margin: 0; padding-left: 1.1em; }
table.responsive p { margin: 0 0 6px 0; }
.dates { font-size: 0.92em; }
.no-evidence, .note { color: var(--body-text-color); }
/* 'uploaded' / 'other document' labels beside a source, case or report */
.badge { font-size: 0.8em; border: 1px solid var(--primary-700); color: var(--primary-800); border-radius: 4px;
  padding: 0 4px; margin-left: 4px; }
.rec-text { white-space: pre-wrap; }
@media (max-width: 700px) {
  table.responsive, table.responsive tbody, table.responsive tr, table.responsive th, table.responsive td {
    display: block; width: 100%; box-sizing: border-box; }
  table.responsive caption { display: block; width: 100%; }
  table.responsive thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.responsive tr { margin-bottom: 10px; border: 1px solid var(--border-color-primary); }
  table.responsive th, table.responsive td { border: none; border-bottom: 1px solid var(--border-color-primary); }
  table.responsive td[data-label]::before { content: attr(data-label); display: block; font-weight: 600; }
}
"""

HEAD = """
<script>
(() => {
  // Citations open their source in place; "Back to ..." returns to the marker that opened it.
  const openAround = (el) => { for (let p = el; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true; };
  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) return;
    const id = decodeURIComponent(link.getAttribute("href").slice(1));
    const target = id ? document.getElementById(id) : null;
    if (!target) return;
    event.preventDefault();
    let dest = target;
    if (link.classList.contains("back")) {
      const marker = link.dataset.marker ? document.getElementById(link.dataset.marker) : null;
      if (marker) dest = marker;
    } else {
      openAround(target);
      const back = target.querySelector(":scope > a.back");
      if (back && link.id) back.dataset.marker = link.id;
    }
    const focusable = (dest.tagName === "DETAILS" && dest.querySelector(":scope > summary")) || dest;
    // The whole source if it fits, else from its top: a long passage must not open at its end.
    const reveal = () => { dest.scrollIntoView({block: "nearest"}); if (focusable !== dest) focusable.scrollIntoView({block: "nearest"}); };
    reveal();
    if (focusable && focusable.focus) focusable.focus({preventScroll: true});
    history.replaceState(null, "", "#" + id);
    // The chat scrolls itself to its end 300 ms after an answer arrives: if that happens
    // just after a click, show the source again.
    for (const wait of [350, 700]) setTimeout(() => { if (!shown(focusable)) reveal(); }, wait);
  }, true);
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (p.scrollHeight > p.clientHeight + 1 && ["auto", "scroll"].includes(getComputedStyle(p).overflowY)) {
        const c = p.getBoundingClientRect();
        if (r.top < c.top || r.bottom > c.bottom) return false;
      }
    }
    return r.top >= 0 && r.bottom <= window.innerHeight;
  };
})();
</script>
"""
