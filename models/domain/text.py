"""Text helpers shared by every reader: Unicode NFC, comparison keys, Vietnamese diacritics removal.

Plans are copied from web pages and office documents: the same name can arrive in NFC or NFD, with
non-breaking spaces, doubled spaces or different case. Everything a person reads is kept in NFC;
everything compared is compared through :func:`fold`.
"""

import re
import unicodedata

# Zero-width and BOM characters that office documents leave behind.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_ANY_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with invisible characters removed and spaces collapsed."""
    text = unicodedata.normalize("NFC", text)
    if _ANY_INVISIBLE.search(text):  # rare: a translate of every character costs more than this search
        text = text.translate(_INVISIBLE)
    # str.split() splits on exactly the characters of regex ``\s`` (Unicode whitespace), several times
    # faster than ``re.sub(r"\s+", " ", text).strip()`` on non-ASCII text.
    return " ".join(text.split())


def fold(text: str) -> str:
    """Comparison key: NFC, lower case, one space between words, no surrounding punctuation.

    Diacritics are kept: "Sở" and "Số" are different words in Vietnamese.
    """
    return nfc(text).casefold().strip(" .;,:-–")


_VI_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics: "Đôn đốc" -> "Don doc".

    "đ"/"Đ" are letters of their own (not a base letter plus a combining mark), so NFD alone
    leaves them; they are mapped explicitly.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_VI_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)
