"""Name matching: comparison keys, words, abbreviations, and the index of every name a directory knows.

How names compare is told in the package docstring (:mod:`models.domain.agencies`). Here:

* :func:`match_key` and the word keys behind it (case, Unicode form and tone-mark position ignored);
* :class:`MatchingRules`, the YAML's ``matching`` section (abbreviations, glue words, qualifiers,
  enumerations), and :class:`NameIndex`, which holds every name and alias and reads a text with them:
  :meth:`NameIndex.whole` (one name), :meth:`NameIndex.scan` (a cell, left to right, longest name first).

The index knows codes only; what the codes mean (groups, dates, warnings) is the directory's business.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from models.domain.agencies.entries import Entry, entry_label
from models.domain.text import nfc, strip_diacritics

# Words are runs of anything but spaces and punctuation; the gaps between them are kept to see ";" etc.
_WORD = re.compile(r"[^\s,;.:/\\()\[\]{}&|+*\"'“”‘’«»–—‐‑\-…!?]+")
# Vietnamese tone marks (combining): grave, acute, tilde, hook above, dot below.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _word_key(word: str) -> str:
    """One word's comparison key: case-folded, NFC, tone mark moved to the end (so "hoá" == "hóa")."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    tones = "".join(ch for ch in decomposed if ch in _TONES)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    return base + tones


def _ascii_key(word: str) -> str:
    return strip_diacritics(word).casefold()


@dataclass(frozen=True)
class _Token:
    key: str
    ascii: str
    start: int  # offsets in the NFC text
    end: int
    gap: str  # the text between the previous token and this one

    @property
    def hard(self) -> bool:
        """A ";" (or a line break kept as one) before this word: no name runs across it."""
        return ";" in self.gap

    @property
    def bare(self) -> bool:
        """Only spaces before this word (no punctuation at all)."""
        return not self.gap.strip()


def _raw_tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    last = 0
    for m in _WORD.finditer(text):
        word = m.group()
        tokens.append(_Token(_word_key(word), _ascii_key(word), m.start(), m.end(), text[last : m.start()]))
        last = m.end()
    return tokens


def _merge(tokens: list[_Token], abbreviations: dict[tuple[str, ...], str]) -> list[_Token]:
    """Fold multi-word spellings to one key ("ủy ban nhân dân" -> "ubnd"); never across a ";"."""
    if not abbreviations:
        return tokens
    longest = max(len(k) for k in abbreviations)
    out: list[_Token] = []
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            keys = tuple(t.key for t in tokens[i : i + n])
            short = abbreviations.get(keys)
            if short is not None and not any(t.hard for t in tokens[i + 1 : i + n]):
                first, last = tokens[i], tokens[i + n - 1]
                out.append(_Token(short, _ascii_key(short), first.start, last.end, first.gap))
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def match_key(name: str, abbreviations: dict[tuple[str, ...], str] | None = None) -> str:
    """The comparison key of a whole name (the words' keys joined by single spaces).

    Without ``abbreviations`` this is the key before abbreviation folding; use
    :meth:`Directory.key` for the key a directory compares with.
    """
    return " ".join(t.key for t in _merge(_raw_tokens(nfc(name)), abbreviations or {}))


@dataclass(frozen=True)
class MatchingRules:
    """The ``matching`` section of the directory file, as written (the index compiles it)."""

    abbreviations: Mapping[str, str] = field(default_factory=dict)  # long spelling -> short ("UBND")
    glue_words: tuple[str, ...] = ("và",)  # words allowed between names
    qualifiers: tuple[str, ...] = ()  # words a name may carry after it ("tỉnh", "Thái Nguyên")
    enumerations: tuple[Mapping[str, Any], ...] = ()  # {"heads": [...], "item_prefixes": [...]}


@dataclass(frozen=True)
class _Enumeration:
    head: tuple[str, ...]  # keys of "UBND các thành phố"
    item_prefixes: tuple[tuple[str, ...], ...]  # keys of "UBND thành phố"


@dataclass(frozen=True)
class _Match:
    end: int  # token index after the match
    code: str
    via: str
    raw: str
    items: tuple[tuple[str, str], ...] = ()  # enumeration: (raw, code) per item


@dataclass(frozen=True)
class Piece:
    """One piece of a cell, in reading order: a name found (``code`` set) or words left over (``None``)."""

    raw: str
    code: str | None = None
    via: str = "name"  # as in :class:`ResolvedName`
    glued: bool = False  # written right after the previous name with only spaces between


class NameIndex:
    """Every name and alias of a directory's entries, by comparison key, and the rules to read a text."""

    def __init__(self, rules: MatchingRules) -> None:
        self._abbrev: dict[tuple[str, ...], str] = {}
        for long, short in rules.abbreviations.items():
            self._abbrev[tuple(t.key for t in _raw_tokens(nfc(long)))] = _word_key(nfc(short))
        self._glue = frozenset(self.key_words(w)[0] for w in rules.glue_words if self.key_words(w))
        self._qualifiers = sorted((self.key_words(q) for q in rules.qualifiers), key=len, reverse=True)
        self._enumerations = [
            _Enumeration(
                head=self.key_words(h),
                item_prefixes=tuple(self.key_words(p) for p in e.get("item_prefixes", ())),
            )
            for e in rules.enumerations
            for h in e.get("heads", ())
        ]
        self._names: dict[tuple[str, ...], str] = {}
        self._ascii: dict[tuple[str, ...], set[str]] = {}
        self._max_words = 1

    def key_words(self, text: str) -> tuple[str, ...]:
        """The words' keys of ``text``, abbreviations folded."""
        return tuple(t.key for t in self._tokens(nfc(text)))

    def add(self, entries: Iterable[Entry]) -> list[str]:
        """Index the entries' names and aliases; the problems found (an empty name, a name used twice)."""
        problems: list[str] = []
        by_code: dict[str, Entry] = {}
        for entry in entries:
            by_code[entry.code] = entry
            for name in entry.names:
                key = self.key_words(name)
                if not key:
                    problems.append(f"{entry_label(entry)}: empty name or alias {name!r}")
                    continue
                self._max_words = max(self._max_words, len(key))
                other = self._names.setdefault(key, entry.code)
                if other != entry.code:
                    problems.append(
                        f"{entry_label(entry)}: alias {name!r} also names {entry_label(by_code[other])} "
                        f"(an alias must point to one entry)"
                    )
                self._ascii.setdefault(tuple(strip_diacritics(k) for k in key), set()).add(entry.code)
        return problems

    # ---- reading ---------------------------------------------------------------------------------

    def whole(self, text: str) -> str | None:
        """The code of the one name the whole ``text`` (NFC) is, or ``None`` (no name, several, words left)."""
        tokens = self._tokens(text)
        if not tokens:
            return None
        found = self._longest(text, tokens, 0)
        if found is None or found.end != len(tokens):
            return None
        if found.items:
            return found.items[0][1] if len(found.items) == 1 else None
        return found.code

    def scan(self, text: str) -> list[Piece]:
        """Read a cell (NFC) left to right, taking at each word the longest name that starts there.

        Between names, punctuation and glue words are skipped; other words are kept as left-over pieces
        (a ";" ends one). An enumeration gives one piece per item.
        """
        tokens = self._tokens(text)
        pieces: list[Piece] = []
        leftover: list[int] = []  # indexes of the words left over since the last name or ";"
        prev_end: int | None = None  # token index after the previous match, when nothing came between

        def flush() -> None:
            if leftover:
                pieces.append(Piece(text[tokens[leftover[0]].start : tokens[leftover[-1]].end]))
                leftover.clear()

        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.hard:
                flush()
            found = self._longest(text, tokens, i)
            if found is None:
                if tok.key not in self._glue:
                    leftover.append(i)
                prev_end = None
                i += 1
                continue
            flush()
            glued = prev_end == i and tok.bare
            via = "enumeration" if found.items else found.via
            for n, (raw, code) in enumerate(found.items or ((found.raw, found.code),)):
                pieces.append(Piece(raw, code, via, glued and n == 0))  # the gap is before the first only
            i = prev_end = found.end
        flush()
        return pieces

    def _tokens(self, text: str) -> list[_Token]:
        return _merge(_raw_tokens(text), self._abbrev)

    def _lookup(self, tokens: list[_Token], i: int, prefix: tuple[str, ...] = ()) -> tuple[int, str] | None:
        """Longest known name starting at token ``i`` (after ``prefix``): (end index, code)."""
        for end in range(min(len(tokens), i + self._max_words), i, -1):
            if any(t.hard for t in tokens[i + 1 : end]):
                continue
            code = self._names.get(prefix + tuple(t.key for t in tokens[i:end]))
            if code is not None:
                return end, code
        return None

    def _lookup_ascii(self, tokens: list[_Token], i: int) -> tuple[int, str] | None:
        for end in range(min(len(tokens), i + self._max_words), i, -1):
            if any(t.hard for t in tokens[i + 1 : end]):
                continue
            codes = self._ascii.get(tuple(t.ascii for t in tokens[i:end]))
            if codes is not None and len(codes) == 1:
                return end, next(iter(codes))
        return None

    def _absorb_qualifier(self, tokens: list[_Token], end: int) -> int:
        """Extend a match over "tỉnh", "Thái Nguyên"… written right after it ("Sở Tư pháp tỉnh")."""
        if end >= len(tokens) or not tokens[end].bare or self._lookup(tokens, end):
            return end
        for q in self._qualifiers:
            stop = end + len(q)
            words = tokens[end:stop]
            if stop <= len(tokens) and tuple(t.key for t in words) == q and all(t.bare for t in words):
                return stop
        return end

    def _enumeration(self, text: str, tokens: list[_Token], i: int) -> _Match | None:
        """An enumeration: "UBND các thành phố: Phổ Yên, Sông Công" -> one item per name."""
        best: _Match | None = None
        for enum in self._enumerations:
            h = len(enum.head)
            if tuple(t.key for t in tokens[i : i + h]) != enum.head or any(t.hard for t in tokens[i + 1 : i + h]):
                continue
            head_raw = text[tokens[i].start : tokens[i + h - 1].end]
            j, items, end = i + h, [], i + h
            while j < len(tokens) and not tokens[j].hard:
                while j < len(tokens) and tokens[j].key in self._glue and not tokens[j].hard:
                    j += 1
                if j >= len(tokens) or tokens[j].hard:
                    break
                hit = None
                for prefix in enum.item_prefixes:
                    found = self._lookup(tokens, j, prefix)
                    if found and (hit is None or found[0] > hit[0]):
                        hit = found
                if hit is None:
                    break
                item_raw = text[tokens[j].start : tokens[hit[0] - 1].end]
                items.append((f"{head_raw}: {item_raw}", hit[1]))
                j = end = hit[0]
            # Without a colon after the head, one item is not enough: "UBND các huyện, thành phố Thái
            # Nguyên" is the district group of the province, not the city alone.
            colon = i + h < len(tokens) and ":" in tokens[i + h].gap
            if (len(items) >= 2 or (items and colon)) and (best is None or end > best.end):
                best = _Match(end, items[0][1], "enumeration", head_raw, tuple(items))
        return best

    def _longest(self, text: str, tokens: list[_Token], i: int) -> _Match | None:
        candidates: list[_Match] = []
        found = self._lookup(tokens, i)
        if found:
            end, code = found
            candidates.append(_Match(end, code, "name", ""))
        enum = self._enumeration(text, tokens, i)
        if enum:
            candidates.append(enum)
        if not candidates:
            found = self._lookup_ascii(tokens, i)
            if found:
                candidates.append(_Match(found[0], found[1], "no-diacritics", ""))
        if not candidates:
            return None
        best = max(candidates, key=lambda m: m.end)  # first wins on ties: a plain name before an enumeration
        if best.items:
            return best
        end = self._absorb_qualifier(tokens, best.end)
        return dataclasses.replace(best, end=end, raw=text[tokens[i].start : tokens[end - 1].end])
