"""Turn a follow-up ("and for Peru?", "who signed it?") into a standalone question.

Rule-based, so it works with no LLM: a question that leans on the conversation (it starts
with "and"/"what about", uses a pronoun with no subject of its own, or is very short) is
completed with the previous user question; a new country named in the follow-up replaces
the country of the previous question.
"""

from __future__ import annotations

import re

from assistant.ingest import KNOWN_COUNTRIES

_LEADS = re.compile(
    r"^\s*(and|but|also|what about|how about|and what about|same for|then)\b[\s,]*", re.I
)
_PRONOUNS = re.compile(
    r"\b(it|its|they|them|their|that|this|those|these|he|she|there|the same)\b", re.I
)


def is_followup(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return bool(_LEADS.match(question) or _PRONOUNS.search(question) or len(words) <= 3)


def condense(question: str, history: list[dict]) -> str:
    """The question as it would be asked with no conversation before it."""
    previous = [
        str(turn.get("content", ""))
        for turn in history
        if turn.get("role") == "user" and turn.get("content")
    ]
    if not previous or not is_followup(question):
        return question
    last = previous[-1]
    new = _countries(question)
    old = _countries(last)
    body = _LEADS.sub("", question).strip().rstrip("?").strip()
    if new and old and set(new) != set(old):
        swapped = last
        for o in old:
            swapped = re.sub(rf"\b{re.escape(o)}\b", new[0], swapped)
        # "And for Peru?" only swaps the country; anything else it says is added.
        rest = re.sub(
            rf"\b(for|in|with|about)?\s*{re.escape(new[0])}\b", "", body, flags=re.I
        ).strip()
        return f"{swapped.rstrip('?')}{' ' + rest if rest else ''}?"
    return f"{body}? ({last.rstrip('?')})"


def _countries(text: str) -> list[str]:
    aliases = {"PNG": "Papua New Guinea"}
    found = [c for c in KNOWN_COUNTRIES if re.search(rf"\b{re.escape(c)}\b", text, re.I)]
    found += [v for k, v in aliases.items() if re.search(rf"\b{k}\b", text)]
    return [c for c in dict.fromkeys(found) if c.lower() != "singapore"]
