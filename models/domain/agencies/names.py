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
import itertools
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


#: Words an agency's name starts with. Words left over in a cell are split into several names only
#: where a comma, a ";" or "và" is followed by one of these ("Cục A, Cục B" is two names; "Trung tâm
#: Giám sát, điều hành đô thị thông minh" stays one), and "Các <word>: A, B" distributes the word over
#: the items ("Các Cục: A, B" -> "Cục A", "Cục B").
HEAD_WORDS = (
    "Bộ", "Sở", "Cục", "Tổng cục", "Chi cục", "Vụ", "Ban", "Trung tâm", "UBND", "HĐND", "Ủy ban", "Viện",
    "Văn phòng", "Đài", "Báo", "Hội", "Tòa án", "Công an", "Ngân hàng", "Kho bạc", "Bảo hiểm", "Thanh tra",
    "Đại học", "Trường", "Học viện", "Tập đoàn", "Tổng công ty", "Công ty", "Liên đoàn", "Tổng Liên đoàn",
    "Đoàn", "Kiểm toán", "Phòng", "Hiệp hội", "Quỹ", "Đảng ủy", "Tỉnh ủy", "Thành ủy", "Tỉnh đoàn",
    "Cơ quan", "Các", "Doanh nghiệp", "Liên minh", "Chi nhánh", "Thông tấn xã", "Bộ Chỉ huy",
)  # fmt: skip
#: Words that name a province after an agency's name ("Sở Tài chính thành phố Hà Nội").
PLACE_WORDS = ("tỉnh", "thành phố")
#: Administrative units whose order in a list does not matter ("UBND các phường, xã" = "UBND các xã,
#: phường"): every name and enumeration head with two or more of them in a row is also known permuted.
#: Remarks written among the names, naming no agency: skipped where they stand alone (between
#: punctuation, a name or the cell's ends): "Sở Khoa học và Công nghệ (cơ quan thường trực)",
#: "Bộ Công an (chủ trì)", "Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ)". The cell
#: as written is kept with the task.
REMARKS = (
    "chủ trì", "phối hợp", "thường trực", "cơ quan thường trực", "cơ quan chủ trì", "cơ quan phối hợp",
    "đơn vị chủ trì", "đơn vị phối hợp", "nay là", "trước đây là", "đầu mối", "nếu có",
    "theo chức năng, nhiệm vụ", "theo chức năng, nhiệm vụ được giao", "theo chức năng nhiệm vụ được giao",
    "v.v", "vv",
)  # fmt: skip
UNIT_WORDS = ("xã", "phường", "thị trấn", "đặc khu", "huyện", "thị xã", "quận", "thành phố")


@dataclass(frozen=True)
class MatchingRules:
    """The ``matching`` section of the directory file, as written (the index compiles it)."""

    abbreviations: Mapping[str, str] = field(default_factory=dict)  # long spelling -> short ("UBND")
    glue_words: tuple[str, ...] = ("và",)  # words allowed between names
    qualifiers: tuple[str, ...] = ()  # words a name may carry after it ("tỉnh", "Thái Nguyên")
    enumerations: tuple[Mapping[str, Any], ...] = ()  # {"heads": [...], "item_prefixes": [...]}
    head_words: tuple[str, ...] = HEAD_WORDS
    place_words: tuple[str, ...] = PLACE_WORDS
    unit_words: tuple[str, ...] = UNIT_WORDS
    remarks: tuple[str, ...] = REMARKS


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
    items: tuple[tuple[str, str | None], ...] = ()  # enumeration: (raw, code or None: unknown) per item
    place: str | None = None  # the province named after the name ("Hà Nội"; "" for a bare "tỉnh")


@dataclass(frozen=True)
class Piece:
    """One piece of a cell, in reading order: a name found (``code`` set) or words left over (``None``)."""

    raw: str
    code: str | None = None
    via: str = "name"  # as in :class:`ResolvedName`, or "no-diacritics" (matched only without them)
    glued: bool = False  # written right after the previous name with only spaces between
    place: str | None = None  # a province named right after the name ("thành phố Hà Nội" -> "Hà Nội")


class NameIndex:
    """Every name and alias of a directory's entries, by comparison key, and the rules to read a text."""

    def __init__(self, rules: MatchingRules) -> None:
        self._abbrev: dict[tuple[str, ...], str] = {}
        self._long: dict[str, str] = {}  # short key -> the long spelling as written ("thành phố")
        for long, short in rules.abbreviations.items():
            self._abbrev[tuple(t.key for t in _raw_tokens(nfc(long)))] = _word_key(nfc(short))
            self._long[_word_key(nfc(short))] = nfc(long)
        self._glue = frozenset(self.key_words(w)[0] for w in rules.glue_words if self.key_words(w))
        self._qualifiers = sorted((self.key_words(q) for q in rules.qualifiers), key=len, reverse=True)
        self._heads = sorted({self.key_words(h) for h in rules.head_words} - {()}, key=len, reverse=True)
        self._places = frozenset(w for p in rules.place_words for w in self.key_words(p)[:1])
        self._cac = self.key_words("các")
        self._remarks = sorted({self.key_words(r) for r in rules.remarks} - {()}, key=len, reverse=True)
        self._units = sorted({self.key_words(u) for u in rules.unit_words} - {()}, key=len, reverse=True)
        self._enumerations = [
            _Enumeration(
                head=head,
                item_prefixes=tuple(self.key_words(p) for p in e.get("item_prefixes", ())),
            )
            for e in rules.enumerations
            for h in e.get("heads", ())
            for head in self.variants(self.key_words(h))
        ]
        self._names: dict[tuple[str, ...], str] = {}
        self._ascii: dict[tuple[str, ...], set[str]] = {}
        self._max_words = 1

    def key_words(self, text: str) -> tuple[str, ...]:
        """The words' keys of ``text``, abbreviations folded."""
        return tuple(t.key for t in self._tokens(nfc(text)))

    def variants(self, key: tuple[str, ...]) -> list[tuple[str, ...]]:
        """``key`` and, for each run of 2-4 unit words in it, that run in every order (``UNIT_WORDS``)."""
        out = [key]
        p = 0
        while p < len(key):
            units, q = [], p
            while (unit := next((u for u in self._units if key[q : q + len(u)] == u), None)) is not None:
                units.append(unit)
                q += len(unit)
            if 2 <= len(units) <= 4:
                out = [v[:p] + sum(perm, ()) + v[q:] for v in out for perm in itertools.permutations(units)]
                p = q
            else:
                p += 1
        return list(dict.fromkeys(out))

    def add(self, entries: Iterable[Entry], *, keep_first: bool = False) -> list[str]:
        """Index the entries' names and aliases; the problems found (an empty name, a name used twice).

        With ``keep_first``, a name already known keeps its entry and is no problem (an index where some
        entries' names take precedence: those of national documents). Names with unit words in another
        order (:meth:`variants`) are added last and never displace a name written in the file.
        """
        problems: list[str] = []
        by_code: dict[str, Entry] = {}
        later: list[tuple[tuple[str, ...], str]] = []
        for entry in entries:
            by_code[entry.code] = entry
            problems += self._abbreviation_problems(entry)
            for name in entry.names:
                key = self.key_words(name)
                if not key:
                    problems.append(f"{entry_label(entry)}: empty name or alias {name!r}")
                    continue
                self._max_words = max(self._max_words, len(key))
                other = self._names.setdefault(key, entry.code)
                if other != entry.code and not keep_first:
                    problems.append(
                        f"{entry_label(entry)}: alias {name!r} also names {entry_label(by_code[other])} "
                        f"(an alias must point to one entry)"
                    )
                if other == entry.code:
                    self._ascii.setdefault(tuple(strip_diacritics(k) for k in key), set()).add(entry.code)
                later.extend((v, entry.code) for v in self.variants(key)[1:])
        for key, code in later:
            self._names.setdefault(key, code)
        return problems

    def _abbreviation_problems(self, entry: Entry) -> list[str]:
        """An alias using a two-letter short form the name does not contain: "Sở TP" for Sở Tư pháp would
        also be "Sở thành phố" ("TP" = "thành phố" in ``matching.abbreviations``), so it is refused. (Two
        letters are too easily another phrase's initials; "UBND" or "KCN" are not.)"""
        name_keys = set(self.key_words(entry.name))
        problems = []
        for alias in entry.aliases:
            for word in _raw_tokens(nfc(alias)):
                if word.key in self._long and len(word.key) <= 2 and word.key not in name_keys:
                    long = self._long[word.key]
                    problems.append(
                        f"{entry_label(entry)}: alias {alias!r} uses {alias[word.start : word.end]!r}, which "
                        f"reads as {long!r} (matching.abbreviations), but {entry.name!r} has no {long!r}"
                    )
        return problems

    def starts_with_place(self, text: str) -> bool:
        """Whether ``text`` begins with a place word ("tỉnh", "thành phố")."""
        words = self.key_words(text)
        return bool(words) and words[0] in self._places

    # ---- reading ---------------------------------------------------------------------------------

    def whole(self, text: str, *, no_diacritics: bool = False) -> str | None:
        """The code of the one name the whole ``text`` (NFC) is, or ``None`` (no name, several, words left).

        A name compared without diacritics counts only with ``no_diacritics`` (a suggestion, never a
        match: "So Tai chinh" is not silently Sở Tài chính)."""
        tokens = self._tokens(text)
        if not tokens:
            return None
        found = self._longest(text, tokens, 0)
        if found is None or found.end != len(tokens) or (found.via == "no-diacritics") != no_diacritics:
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
        remark_end: int | None = None  # token index after the last remark skipped

        def flush() -> None:
            if leftover:
                for first, last in self._split_leftover(tokens, leftover):
                    raw = text[tokens[first].start : tokens[last].end]
                    if raw.count("(") > raw.count(")") and text[tokens[last].end : tokens[last].end + 1] == ")":
                        raw += ")"  # "Tập đoàn … (Viettel)": the bracket closes the name
                    pieces.append(Piece(raw))
                leftover.clear()

        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.hard:
                flush()
            # A name starts at the cell's start, after punctuation, "và" or another name: never inside a
            # run of unknown words (no "Sở" read out of "Trung tâm Chuyển đổi số Thành phố", no "Chính
            # phủ" out of "Ban Cơ yếu Chính phủ", no "CP" out of "Công ty CP …").
            boundary = i in (0, prev_end, remark_end) or bool(tok.gap.strip()) or tokens[i - 1].key in self._glue
            found = self._longest(text, tokens, i, boundary)
            if found is None and boundary and tok.key.isdigit():  # a list number: "1. Bộ Công an; 2. …"
                i = remark_end = i + 1
                prev_end = None
                continue
            if found is None and boundary and (stop := self._remark(tokens, i)) is not None:
                flush()  # a remark ("(chủ trì)", "nay là …"): no agency, and a name may follow it
                i = remark_end = stop
                prev_end = None
                continue
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
                # the gap is before the first item only
                pieces.append(Piece(raw, code, via if code else "name", glued and n == 0, found.place))
            i = prev_end = found.end
        flush()
        return pieces

    def _tokens(self, text: str) -> list[_Token]:
        return _merge(_raw_tokens(text), self._abbrev)

    def _remark(self, tokens: list[_Token], i: int) -> int | None:
        """The end of a remark starting at ``i`` ("chủ trì", "nay là"; ``REMARKS``) when it stands alone:
        followed by punctuation, the end, or a name. None otherwise."""
        for remark in self._remarks:
            stop = i + len(remark)
            if tuple(t.key for t in tokens[i:stop]) != remark or any(t.hard for t in tokens[i + 1 : stop]):
                continue
            if stop == len(tokens) or tokens[stop].gap.strip() or self._lookup(tokens, stop):
                return stop
        return None

    def _starts_head(self, tokens: list[_Token], i: int) -> bool:
        return any(tuple(t.key for t in tokens[i : i + len(h)]) == h for h in self._heads)

    def _split_leftover(self, tokens: list[_Token], idx: list[int]) -> list[tuple[int, int]]:
        """Words left over, as (first, last) token indexes of each name: a new name starts after a
        comma, colon or "và" when its first words are a head word ("Cục A, Cục B và Vụ C": three)."""
        runs = [[idx[0]]]
        for prev, k in itertools.pairwise(idx):
            separated = k != prev + 1 or any(c in tokens[k].gap for c in ",:")  # k != prev + 1: "và" between
            if separated and self._starts_head(tokens, k):
                runs.append([k])
            else:
                runs[-1].append(k)
        return [(run[0], run[-1]) for run in runs]

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

    def _absorb_place(self, text: str, tokens: list[_Token], start: int, end: int) -> tuple[int, str | None]:
        """A province named right after a name: "tỉnh"/"thành phố" and the capitalised words after it
        ("Sở Tài chính thành phố Hà Nội", "UBND tỉnh Bắc Ninh" where "UBND tỉnh" is the name). Returns
        the end and the place as written ("" for a bare "tỉnh"), or ``(end, None)`` when there is none."""
        if end - 1 > start and tokens[end - 1].key in self._places:
            j = end  # the name itself ends with the place word
        elif (
            end < len(tokens) and tokens[end].bare and tokens[end].key in self._places and not self._lookup(tokens, end)
        ):
            j = end + 1
        else:
            return end, None
        k = j
        while (
            k < len(tokens)
            and k - j < 4
            and tokens[k].bare
            and text[tokens[k].start].isupper()
            and tokens[k].key not in self._glue
            and not self._starts_head(tokens, k)
            and not self._lookup(tokens, k)
        ):
            k += 1
        if k == j == end:
            return end, ""
        return k, text[tokens[j].start : tokens[k - 1].end] if k > j else ""

    def _distribution(self, text: str, tokens: list[_Token], i: int) -> _Match | None:
        """ "Các <head word>: A, B và C" -> "<head word> A", "<head word> B", "<head word> C" ("Các Cục: A, B";
        "Các Bộ: Tài chính, Kế hoạch và Đầu tư" -> two ministries: a known name is taken whole)."""
        if (tokens[i].key,) != self._cac:
            return None
        for head in self._heads:
            h, start = len(head), i + 1
            if head == self._cac or tuple(t.key for t in tokens[start : start + h]) != head:
                continue
            if start + h >= len(tokens) or ":" not in tokens[start + h].gap or ";" in tokens[start + h].gap:
                continue
            head_raw = text[tokens[start].start : tokens[start + h - 1].end]
            items: list[tuple[str, str | None]] = []
            j = end = start + h
            while j < len(tokens) and not (tokens[j].hard or (items and ":" in tokens[j].gap)):
                if tokens[j].key in self._glue:
                    j += 1
                    continue
                hit = self._lookup(tokens, j, head)
                if hit is None and ((tokens[j].key,) == self._cac or self._lookup(tokens, j)):
                    break  # a name of its own ends the list: "Các Sở: Tài chính, Xây dựng và UBND các xã"
                k = hit[0] if hit else j + 1
                while hit is None and k < len(tokens) and not tokens[k].gap.strip() and tokens[k].key not in self._glue:
                    k += 1
                items.append((f"{head_raw} {text[tokens[j].start : tokens[k - 1].end]}", hit[1] if hit else None))
                j = end = k
            if items:
                return _Match(end, items[0][1] or "", "enumeration", head_raw, tuple(items))
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

    def _longest(self, text: str, tokens: list[_Token], i: int, boundary: bool = True) -> _Match | None:
        """The longest reading at token ``i``: a name, an enumeration or a distribution ("Các Cục: A, B");
        at a ``boundary`` only, and when nothing else matches, a name compared without diacritics."""
        candidates: list[_Match] = []
        found = self._lookup(tokens, i)
        if found:
            end, code = found
            candidates.append(_Match(end, code, "name", ""))
        for reading in (self._enumeration(text, tokens, i), self._distribution(text, tokens, i)):
            if reading:
                candidates.append(reading)
        if not boundary:  # inside a run of unknown words a name is part of it ("Ban Cơ yếu Chính phủ")
            return None
        if not candidates:
            found = self._lookup_ascii(tokens, i)
            if found:
                candidates.append(_Match(found[0], found[1], "no-diacritics", ""))
        if not candidates:
            return None
        best = max(candidates, key=lambda m: m.end)  # first wins on ties: a plain name before an enumeration
        if best.items:
            return best
        end, place = self._absorb_place(text, tokens, i, best.end)
        if place is None:
            end = self._absorb_qualifier(tokens, best.end)
        return dataclasses.replace(best, end=end, raw=text[tokens[i].start : tokens[end - 1].end], place=place)
