"""A change of mind at a pending step: "ga jadi deh", "gajadi, sy mau cek kelayakan aja", "batal, mau
langganan info". The step is cancelled, and what follows the change of mind (if anything) is what the user
now wants."""

from __future__ import annotations

import re

_CHANGED = re.compile(
    r"^(?:(?:eh|oh|duh|aduh|hmm|hm|eh maaf|maaf|sorry|oke|ok|wah|udah|udh|sudah|sdh|ah|yah|ya udah|yaudah|ya sudah"
    r"|mending|mendingan|kalau gitu|kalo gitu|klo gitu)[\s,.!]+)*"
    r"(?:(?:ga|gak|gk|nggak|ngga|enggak|ndak|tidak|tdk|g)\s?(?:jadi|jd|jdi)(?!\s+(?:batal|batalin|dibatalin|dibatalkan"
    r"|cancel)\b)|batal|batalin|batalkan|cancel)\b[\s,.!]*"
)
_FILLER = re.compile(
    r"^(?:(?:deh|dong|ah|aja|saja|ya|yah|yaa|kak|min|pak|bu|mas|mbak|dulu|nih|sih|eh|lah|kok|aj|dh|tanya|nanya)"
    r"\b[\s,.!]*)*"
)


def change_of_mind(text: str) -> str | None:
    """None when the message does not start with a change of mind; otherwise what follows it, without the
    filler words ("" for a bare "eh ga jadi deh")."""
    lowered = text.strip().lower()
    changed = _CHANGED.match(lowered)
    if changed is None:
        return None
    rest = text.strip()[changed.end() :]
    filler = _FILLER.match(rest.lower())
    return rest[filler.end() if filler else 0 :].strip(" ,.!")
