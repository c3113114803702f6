// The black-out box editor: boxes over each page before black-out, in the page's own pixels.
// Drag to move, drag the corner to resize, drag on the picture to draw, Delete to remove;
// arrow keys move the focused box (Alt + arrows resize it). The boxes are burned in on the server.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".box-form");
  if (!form) return;
  const field = form.querySelector('input[name="boxes"]');
  const removeButton = form.querySelector('[data-action="remove-box"]');
  let state = {};
  try { state = JSON.parse(field.value || "{}"); } catch (error) { state = {}; }
  const editors = [];
  let selected = null; // { editor, index }

  const clamp = (value, low, high) => Math.min(Math.max(value, low), high);

  const select = (editor, index) => {
    selected = index === null ? null : { editor, index };
    editors.forEach((other) => other.render());
    removeButton.disabled = selected === null;
    if (selected) {
      const element = editor.layer.children[index];
      if (element && document.activeElement !== element) element.focus();
    }
  };

  class Editor {
    constructor(figure) {
      this.page = figure.dataset.page;
      this.image = figure.querySelector("img");
      this.layer = document.createElement("div");
      this.layer.className = "box-layer";
      figure.append(this.layer);
      if (!state[this.page]) state[this.page] = [];
      this.boxes = state[this.page];
      this.layer.addEventListener("pointerdown", (event) => this.pointerDown(event));
    }

    get width() { return this.image.naturalWidth || 1; }
    get height() { return this.image.naturalHeight || 1; }

    toPixels(event) {
      const rect = this.layer.getBoundingClientRect();
      return {
        x: clamp(((event.clientX - rect.left) / rect.width) * this.width, 0, this.width),
        y: clamp(((event.clientY - rect.top) / rect.height) * this.height, 0, this.height),
      };
    }

    render() {
      this.layer.replaceChildren();
      this.boxes.forEach((box, index) => {
        const element = document.createElement("div");
        element.className = "box";
        element.tabIndex = 0;
        element.setAttribute("role", "button");
        element.setAttribute("aria-label", `${form.dataset.labelBox} ${index + 1}`);
        const isSelected = selected && selected.editor === this && selected.index === index;
        element.setAttribute("aria-pressed", isSelected ? "true" : "false");
        if (isSelected) element.classList.add("selected");
        element.style.left = `${(box.left / this.width) * 100}%`;
        element.style.top = `${(box.top / this.height) * 100}%`;
        element.style.width = `${(box.width / this.width) * 100}%`;
        element.style.height = `${(box.height / this.height) * 100}%`;
        element.dataset.index = index;
        const handle = document.createElement("span");
        handle.className = "box-handle";
        element.append(handle);
        element.addEventListener("keydown", (event) => this.key(event, index));
        element.addEventListener("focus", () => {
          if (!isSelected) select(this, index);
        });
        this.layer.append(element);
      });
    }

    key(event, index) {
      const box = this.boxes[index];
      const step = Math.max(1, Math.round(this.width * (event.shiftKey ? 0.05 : 0.01)));
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        this.boxes.splice(index, 1);
        select(this, null);
        return;
      }
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      if (event.altKey) {
        box.width = clamp(box.width + move[0], 4, this.width - box.left);
        box.height = clamp(box.height + move[1], 4, this.height - box.top);
      } else {
        box.left = clamp(box.left + move[0], 0, this.width - box.width);
        box.top = clamp(box.top + move[1], 0, this.height - box.height);
      }
      select(this, index);
    }

    pointerDown(event) {
      if (event.button !== 0) return;
      event.preventDefault();
      const start = this.toPixels(event);
      const target = event.target.closest(".box");
      let index;
      let mode;
      let origin;
      if (target) {
        index = Number(target.dataset.index);
        mode = event.target.classList.contains("box-handle") ? "resize" : "move";
        origin = { ...this.boxes[index] };
      } else {
        this.boxes.push({ left: Math.round(start.x), top: Math.round(start.y), width: 1, height: 1 });
        index = this.boxes.length - 1;
        mode = "draw";
        origin = { ...this.boxes[index] };
      }
      select(this, index);
      const moveTo = (moveEvent) => {
        const point = this.toPixels(moveEvent);
        const box = this.boxes[index];
        const dx = point.x - start.x;
        const dy = point.y - start.y;
        if (mode === "move") {
          box.left = Math.round(clamp(origin.left + dx, 0, this.width - box.width));
          box.top = Math.round(clamp(origin.top + dy, 0, this.height - box.height));
        } else if (mode === "resize") {
          box.width = Math.round(clamp(origin.width + dx, 4, this.width - box.left));
          box.height = Math.round(clamp(origin.height + dy, 4, this.height - box.top));
        } else {
          box.left = Math.round(Math.min(start.x, point.x));
          box.top = Math.round(Math.min(start.y, point.y));
          box.width = Math.round(Math.abs(dx));
          box.height = Math.round(Math.abs(dy));
        }
        this.render();
      };
      const stop = () => {
        window.removeEventListener("pointermove", moveTo);
        window.removeEventListener("pointerup", stop);
        const box = this.boxes[index];
        if (mode === "draw" && (box.width < 4 || box.height < 4)) {
          this.boxes.splice(index, 1);
          select(this, null);
          return;
        }
        select(this, index);
      };
      window.addEventListener("pointermove", moveTo);
      window.addEventListener("pointerup", stop);
    }

    addBox() {
      const width = Math.round(this.width * 0.3);
      const height = Math.round(Math.max(this.height * 0.04, 16));
      this.boxes.push({
        left: Math.round((this.width - width) / 2),
        top: Math.round((this.height - height) / 2),
        width,
        height,
      });
      select(this, this.boxes.length - 1);
    }
  }

  form.querySelectorAll(".box-editor").forEach((figure) => {
    const editor = new Editor(figure);
    editors.push(editor);
    if (editor.image.complete) editor.render();
    else editor.image.addEventListener("load", () => editor.render());
  });

  form.querySelector('[data-action="add-box"]').addEventListener("click", () => {
    (selected ? selected.editor : editors[0]).addBox();
  });
  removeButton.addEventListener("click", () => {
    if (!selected) return;
    selected.editor.boxes.splice(selected.index, 1);
    select(selected.editor, null);
  });
  form.addEventListener("submit", () => {
    field.value = JSON.stringify(state);
  });
  form.hidden = false;
  document.querySelectorAll(".js-hidden").forEach((element) => { element.hidden = true; });
});
