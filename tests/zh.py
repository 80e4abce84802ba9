"""What the pages' 简体中文 tests share: finding English left in what a learner reads."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

# Three ASCII words in a row is an English phrase; code, LaTeX, HTML tags and these names are not.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}\b")
CODE = re.compile(r"`[^`]*`|\$[^$]*\$|<[^>]*>")  # HTML tags: the text coloured by a unit is the corpus'
# the switch names both languages; torch's own term; a book's title
ALLOWED = {"Language", "state dict", "The Time Machine"}


def english_left(text: str) -> list[str]:
    text = CODE.sub(" ", text)
    return [m for m in ENGLISH.findall(text) if not any(a in m for a in ALLOWED)]


def chart_words(spec) -> list[str]:
    """Every title in a Vega-Lite spec: the chart's, its layers' and panels', axes' and legends'."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("title", "subtitle") and isinstance(value, str):
                found.append(value)
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                found.append(value["text"])
            else:
                found += chart_words(value)
    elif isinstance(spec, list):
        for value in spec:
            found += chart_words(value)
    return found


def specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
