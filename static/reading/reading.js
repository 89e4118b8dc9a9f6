// The reading view: PDF.js (served from static/vendor/pdfjs) renders one page on a canvas with
// its text layer (real, selectable text); highlights and notes go to the members' own JSON API.
const root = document.getElementById("reading");
const pdfjs = await import(root.dataset.pdfjs);
pdfjs.GlobalWorkerOptions.workerSrc = root.dataset.worker;
const csrf = root.dataset.csrf; // the CSRF cookie is HttpOnly (config/settings.py): the page carries the token
const view = document.getElementById("reading-page-view");
const pageInput = document.getElementById("reading-page");
const status = document.getElementById("reading-status");
const list = document.getElementById("reading-list");
const pdf = await pdfjs.getDocument({ url: root.dataset.pdf, isEvalSupported: false }).promise;
let pageNumber = 1;
let scale = 1;
let annotations = [];
document.getElementById("reading-count").textContent = `/ ${pdf.numPages}`;
pageInput.max = pdf.numPages;

// With the offline store (static/offline/offline.js) notes are kept on the device and queued
// while there is no network, and sent when it is back.
const offline = window.ParagrafOffline;
const meetingPk = root.dataset.meeting;
const documentPk = root.dataset.document;

async function load() {
  if (offline) {
    annotations = await offline.annotations(meetingPk, documentPk);
    return;
  }
  const response = await fetch(root.dataset.annotations, { credentials: "same-origin" });
  annotations = (await response.json()).annotations;
}

async function keepOffline(annotation, kind) {
  if (kind === "delete") {
    await offline.deleteAnnotation(meetingPk, documentPk, annotation);
    annotations = annotations.filter((a) => a.client_id !== annotation);
  } else {
    await offline.queueAnnotation(meetingPk, documentPk, annotation);
    annotations = annotations.filter((a) => a.client_id !== annotation.client_id).concat([annotation]);
  }
  status.textContent = root.dataset.queued;
  await render();
}

async function render() {
  const page = await pdf.getPage(pageNumber);
  const base = page.getViewport({ scale: 1 });
  const fit = Math.min(1.5, (view.parentElement.clientWidth - 4) / base.width);
  const viewport = page.getViewport({ scale: fit * scale });
  view.replaceChildren();
  const canvas = document.createElement("canvas");
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${viewport.width}px`;
  canvas.style.height = `${viewport.height}px`;
  canvas.setAttribute("aria-hidden", "true");
  view.style.width = `${viewport.width}px`;
  view.style.height = `${viewport.height}px`;
  view.append(canvas);
  await page.render({ canvas, viewport, transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0] }).promise;
  const text = document.createElement("div");
  text.className = "textLayer";
  view.append(text);
  await new pdfjs.TextLayer({ textContentSource: page.streamTextContent(), container: text, viewport }).render();
  for (const a of annotations.filter((a) => a.page === pageNumber)) {
    for (const [x, y, w, h] of a.rects) {
      const mark = document.createElement("div");
      mark.className = "reading__mark";
      mark.style.left = `${x * 100}%`;
      mark.style.top = `${y * 100}%`;
      mark.style.width = `${w * 100}%`;
      mark.style.height = `${h * 100}%`;
      view.append(mark);
    }
  }
  pageInput.value = pageNumber;
  list.replaceChildren(
    ...annotations
      .filter((a) => a.page === pageNumber)
      .map((a) => {
        const item = document.createElement("li");
        item.textContent = a.kind === "highlight" ? `«${a.quote}»${a.text ? " – " + a.text : ""}` : a.text;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = root.dataset.remove || "×";
        remove.setAttribute("aria-label", "Ta bort");
        remove.addEventListener("click", () => removeAnnotation(a.client_id));
        item.append(" ", remove);
        return item;
      }),
  );
}

async function save(annotation) {
  annotation.updated_at = annotation.updated_at || new Date().toISOString();
  if (offline && !navigator.onLine) {
    await keepOffline(annotation, "upsert");
    return;
  }
  let response;
  try {
    response = await fetch(root.dataset.annotations, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(annotation),
  });
  } catch (error) {
    if (offline) {
      await keepOffline(annotation, "upsert");
      return;
    }
    throw error;
  }
  const body = await response.json();
  if (!response.ok) {
    status.textContent = body.error;
    return;
  }
  annotations = annotations.filter((a) => a.client_id !== body.client_id).concat([body]);
  status.textContent = "Sparad.";
  await render();
}

async function removeAnnotation(clientId) {
  if (offline && !navigator.onLine) {
    await keepOffline(clientId, "delete");
    return;
  }
  await fetch(`${root.dataset.annotations}${clientId}/`, {
    method: "DELETE",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrf },
  });
  annotations = annotations.filter((a) => a.client_id !== clientId);
  await render();
}

function selectionRects() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !view.contains(selection.anchorNode)) return null;
  const box = view.getBoundingClientRect();
  const rects = [...selection.getRangeAt(0).getClientRects()].map((r) => [
    Math.max(0, (r.left - box.left) / box.width),
    Math.max(0, (r.top - box.top) / box.height),
    Math.min(1, r.width / box.width),
    Math.min(1, r.height / box.height),
  ]);
  return { rects, quote: selection.toString() };
}

// Typing the note moves the focus and clears the selection: keep the last one made on the page.
let lastPicked = null;
document.addEventListener("selectionchange", () => {
  const picked = selectionRects();
  if (picked) lastPicked = { ...picked, page: pageNumber };
});

function go(number) {
  pageNumber = Math.min(pdf.numPages, Math.max(1, number));
  render();
}

const note = document.getElementById("reading-note");
document.getElementById("reading-highlight").addEventListener("click", () => {
  const current = selectionRects();
  const picked = current || (lastPicked && lastPicked.page === pageNumber ? lastPicked : null);
  lastPicked = null;
  if (!picked) {
    status.textContent = "Markera först text på sidan.";
    return;
  }
  save({ client_id: crypto.randomUUID(), page: pageNumber, kind: "highlight", rects: picked.rects,
    quote: picked.quote, text: note.value,
    updated_at: new Date().toISOString() });
  note.value = "";
});
document.getElementById("reading-add-note").addEventListener("click", () => {
  if (!note.value.trim()) return;
  save({ client_id: crypto.randomUUID(), page: pageNumber, kind: "note", rects: [], quote: "", text: note.value,
    updated_at: new Date().toISOString() });
  note.value = "";
});
document.getElementById("reading-prev").addEventListener("click", () => go(pageNumber - 1));
document.getElementById("reading-next").addEventListener("click", () => go(pageNumber + 1));
pageInput.addEventListener("change", () => go(Number(pageInput.value)));
document.getElementById("reading-zoom-in").addEventListener("click", () => { scale *= 1.25; render(); });
document.getElementById("reading-zoom-out").addEventListener("click", () => { scale /= 1.25; render(); });
view.addEventListener("keydown", (event) => {
  if (event.key === "PageDown" || event.key === "ArrowRight") go(pageNumber + 1);
  if (event.key === "PageUp" || event.key === "ArrowLeft") go(pageNumber - 1);
});
await load();
await render();
