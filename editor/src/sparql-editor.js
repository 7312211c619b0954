// The query editor of /sparql, added over the page's plain form (progressive enhancement): without
// this script the textarea, the example links and the submit button work as they are.
import { basicSetup } from "codemirror";
import { Prec } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { HighlightStyle, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";
import { tags } from "@lezer/highlight";

// Colours at least 4.5:1 against white and against the active line's wash (WCAG AA), so that
// highlighting never makes a query harder to read than the plain textarea.
const highlighting = HighlightStyle.define([
  { tag: tags.keyword, color: "#7a1f8f", fontWeight: "600" },
  { tag: tags.standard(tags.variableName), color: "#7a1f8f" },
  { tag: [tags.variableName, tags.local(tags.variableName)], color: "#0b5a33" },
  { tag: tags.atom, color: "#1646a0" },
  { tag: tags.string, color: "#9c1c14" },
  { tag: tags.meta, color: "#5b4a00" },
  { tag: tags.comment, color: "#5b6670", fontStyle: "italic" },
]);

// CodeMirror's styles (style-mod) go into a <style> element, which the page's Content-Security-Policy
// (style-src 'self') refuses, unless their root has no <head>: then into a constructed stylesheet
// adopted by the document, which the policy allows. So the document shows no <head> while the editor
// mounts its first styles; later styles join the same sheet.
function withStylesAdopted(create) {
  Object.defineProperty(document, "head", { value: null, configurable: true });
  try {
    return create();
  } finally {
    delete document.head;
  }
}

function enhance(textarea) {
  const form = textarea.form;
  const label = document.querySelector(`label[for="${textarea.id}"]`);
  const described = [textarea.getAttribute("aria-describedby"), "query-keys"].filter(Boolean).join(" ");
  const attributes = { "aria-describedby": described };
  if (label) attributes["aria-labelledby"] = label.id;
  if (textarea.getAttribute("aria-invalid")) attributes["aria-invalid"] = "true";

  const view = withStylesAdopted(() => new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      StreamLanguage.define(sparql),
      syntaxHighlighting(highlighting),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of(attributes),
      // Ctrl/Cmd+Enter runs the query, as in most query editors; Tab is left to move the focus on.
      Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (form.requestSubmit(), true) }])),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) textarea.value = update.state.doc.toString();
      }),
    ],
  }));
  // The textarea stays in the form (it is what is submitted) but hidden; 'required' on a hidden
  // control would block the submission without telling why, and the server explains an empty query.
  textarea.required = false;
  textarea.hidden = true;
  textarea.after(view.dom);
  label?.addEventListener("click", () => view.focus());
  document.getElementById("query-keys")?.removeAttribute("hidden");

  // An example opens in the editor to be read and changed; without the script its link runs it.
  for (const link of document.querySelectorAll("a[data-example]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const text = new URL(link.href).searchParams.get("query") ?? "";
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: 0 } });
      view.dom.scrollIntoView({ block: "nearest" });
      view.focus();
    });
  }
}

const textarea = document.getElementById("query");
// A browser without adopted stylesheets keeps the plain textarea (see withStylesAdopted).
if (textarea && "adoptedStyleSheets" in Document.prototype) enhance(textarea);
