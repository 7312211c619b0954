"""Finnish words for matching: inflection through simplemma, compounds split against a vocabulary.

simplemma (language ``fi``) gives a base form for an inflected word but does not split
compounds. A compound is split here against the vocabulary it is matched with: where a word's
end, lemmatised, is a vocabulary word ("joukkoliikenteen" → "liikenne"), the compound is rebuilt
with that base form ("joukkoliikenne") and the part is its head; a vocabulary word at the start
of a word is its first part ("päihdekasvatustunteja" → "päihde"). Parts are at least
``MIN_PART`` letters and leave at least ``MIN_REST``, so "led" never matches inside another word
and "kirja" not in "kirjasto".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

MIN_PART = 4
MIN_REST = 4
_TOKEN = re.compile(r"\w+")


@lru_cache(maxsize=65536)
def lemma(token: str) -> str:
    """simplemma's lemma, except that a compound is never cut down to its first part.

    For an unknown compound simplemma may return only its first part ("nuorisotakuu" →
    "nuoriso"). When the lemma is a prefix of the token and the rest is a known Finnish word,
    the lemma is the prefix plus the rest's lemma; inflection endings ("kouluilla" → "koulu")
    are no words.
    """
    import simplemma

    token = token.lower()
    found = simplemma.lemmatize(token, lang="fi").lower()
    rest = token[len(found) :]
    if token.startswith(found) and len(rest) >= MIN_PART and not simplemma.is_known(token, "fi") and simplemma.is_known(rest, "fi"):
        return found + simplemma.lemmatize(rest, lang="fi").lower()
    return found


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def lemmas(text: str) -> list[str]:
    return [lemma(token) for token in tokens(text)]


def forms(token: str, vocabulary: frozenset[str]) -> frozenset[str]:
    """The written form, its lemma, and the compound rebuilt with a vocabulary word as its lemmatised head."""
    found = {token, lemma(token)}
    for i in range(MIN_REST, len(token) - MIN_REST + 1):
        head = lemma(token[i:])
        if head in vocabulary and len(head) >= MIN_PART:
            found.add(token[:i] + head)
    return frozenset(found)


def parts(word_forms: Iterable[str], vocabulary: frozenset[str]) -> dict[str, str]:
    """Vocabulary word → how it stands in the word: ``word`` (the whole word), ``head`` or ``first`` (a compound's part)."""
    found: dict[str, str] = {}
    for form in word_forms:
        if form in vocabulary:
            found[form] = "word"
    for form in word_forms:
        for i in range(MIN_REST, len(form) - MIN_PART + 1):
            if form[i:] in vocabulary:
                found.setdefault(form[i:], "head")
        for i in range(MIN_PART, len(form) - MIN_REST + 1):
            if form[:i] in vocabulary:
                found.setdefault(form[:i], "first")
    return found
