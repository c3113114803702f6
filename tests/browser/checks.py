"""What every page of the journey must satisfy, checked in the browser as the user sees it.

- accessibility: axe-core (fetched from the npm registry by ``make test``, injected from disk,
  never from a CDN) reports no serious or critical violation;
- language: a page shown in Chinese has no English interface word left, and the reverse;
  text people wrote (case titles, complaints, the demo content) is set aside first;
- phone: nothing is wider than the viewport.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONTENT = ROOT / "services" / "demo" / "content.json"

#: words that are the same in both languages: the product's name, formats and standards
SAME_IN_BOTH = {
    "Chorus",
    "SHA",
    "CSV",
    "PDF",
    "ZIP",
    "PNG",
    "JPEG",
    "WebP",
    "TXT",
    "BagIt",
    "Markdown",
    "JSON",
    "API",
    "OpenAPI",
    "PEM",
    "YYYY",
    "English",  # the language switch names each language in itself
    "Delete",  # keyboard keys keep their printed names
    "Alt",
    "flask",
    "bundle",
    "verify",  # the command line quoted in the bundle explanation
    "addendum",  # ... and its option that checks the outcome report
    "Bearer",
    "PayPal",  # a wallet's brand, written so in Chinese too
    "FreeOTP",  # authenticator apps go by their names in both languages
    "Google",
    "Microsoft",
    "Authenticator",
}
CHINESE_SELF_NAME = "中文"
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

_VISIBLE_TEXT = """() => {
  const parts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll(
      '[aria-label],[placeholder],[title],img[alt],input[type=submit],[data-confirm]')) {
    for (const name of ['aria-label', 'placeholder', 'title', 'alt', 'data-confirm']) {
      const value = el.getAttribute(name);
      if (value) parts.push(value);
    }
    if (el.matches('input[type=submit]')) parts.push(el.value);
  }
  for (const t of document.querySelectorAll('svg title')) parts.push(t.textContent);
  return parts.join('\\n');
}"""


def axe_source() -> str:
    """axe-core as ``make test`` placed it; without it the accessibility checks cannot run."""
    path = Path(os.environ.get("CHORUS_AXE_JS", "")) if os.environ.get("CHORUS_AXE_JS") else None
    if path is None or not path.is_file():
        found = sorted((ROOT / ".venv" / "share").glob("axe-core-*/axe.min.js"))
        path = found[-1] if found else None
    if path is None:
        raise RuntimeError("axe-core is missing: run `make test` (it fetches it from npm)")
    return path.read_text(encoding="utf-8")


def serious_accessibility_violations(page: Page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the page's own CSP forbids inline scripts
        page.evaluate(f"() => {{ {axe_source()}\n }}")
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [f"{v['id']}: {v['help']} at {v['nodes']}" for v in result]


@cache
def _demo_texts() -> tuple[str, ...]:
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(DEMO_CONTENT.read_text(encoding="utf-8")))
    # slugs, keys and locale codes are not shown; removing them would cut words apart
    shown = {t for t in texts if len(t) >= 2 and not re.fullmatch(r"[a-z0-9_.@-]+", t)}
    return tuple(sorted(shown, key=len, reverse=True))


def untranslated(page: Page, language: str, written: Iterable[str] = ()) -> list[str]:
    """Interface words in the other language on a page shown in ``language`` ('zh'/'en')."""
    text = page.evaluate(_VISIBLE_TEXT)
    # links, e-mail addresses and hashes (whole or cut short) first, so that removing a written
    # text cannot cut one into word-like pieces; then what people wrote; then file extensions
    text = re.sub(r"https?://\S+|\S+@\S+|[0-9a-f]{6,}", " ", text)
    for piece in sorted({*written, *_demo_texts()}, key=len, reverse=True):
        if piece:
            text = text.replace(piece, " ")
    text = re.sub(r"\.(png|jpe?g|webp|pdf|txt|csv|zip|json)\b", " ", text)
    if language == "zh":
        # all-capital words are codes: currencies, pseudonyms, HTML
        words = ENGLISH_WORD.findall(text)
        return sorted({w for w in words if w not in SAME_IN_BOTH and not w.isupper()})
    return sorted(set(HAN.findall(text.replace(CHINESE_SELF_NAME, " "))))


def overflow_width(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def overflowing(page: Page) -> list[str]:
    """The elements that stick out on the right, to say what to fix."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth, found = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0) {
              const name = `${el.tagName.toLowerCase()}.${el.className}`;
              found.push(`${name} (${Math.round(box.right)}px)`);
            }
          }
          return found.slice(-3);
        }"""
    )


def screenshot(page: Page, language: str, name: str, *, part: str | None = None) -> None:
    """Keep a picture of the screen (or of the element ``part``): under test-artifacts/
    always, and in CHORUS_SCREENSHOTS (``make screenshots``: docs/screenshots) when set."""
    folders = [ROOT / "test-artifacts" / "screenshots", os.environ.get("CHORUS_SCREENSHOTS")]
    for folder in filter(None, folders):
        target = Path(folder) / f"{name}-{language}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if part:
            page.locator(part).screenshot(path=str(target))
        else:
            page.screenshot(path=str(target))
