"""The agency directory: who is who, how plans spell them, and who answers for them today.

Pure Python: no database, no network, and no knowledge of where the shipped file lives — the caller
names the file (``config.files.SHIPPED_AGENCIES`` is the one reviewed by people, ``config/agencies.yaml``).

* :meth:`Directory.match` — one name to one agency or group.
* :meth:`Directory.resolve_cell` — a whole table cell naming several agencies ("Sở Thông tin và Truyền
  thông và các Sở, ban, ngành; UBND các huyện, thành phố").
* :meth:`Directory.route` — the agencies responsible *on a date*: follows the 2025 reorganisation
  (successors) and expands groups. :meth:`Directory.routing` also returns the original entry and the
  succession steps, so the plan's wording stays visible beside the routing.

Modules, one job each: ``entries`` (kinds, errors, agencies, groups, the answers' dataclasses),
``names`` (comparison keys and the index of names), ``loading`` (YAML → checked entries, contact
normalisation), ``issuers`` (a document's scope from its issuer and number), ``routing`` (succession,
group members, candidates), ``directory`` (the :class:`Directory` that composes them).

How names are compared
----------------------
A name is cut into words at spaces and punctuation (``, ; . : / - – ( ) &`` …). Each word is compared
through a key that ignores case, NFC/NFD and where the tone mark sits ("Hoá"/"Hóa", "Uỷ"/"Ủy"), but
keeps diacritics ("Sở" and "Số" differ). A few abbreviations are folded to one form ("Ủy ban nhân dân" =
"UBND", "thành phố" = "TP", "Khu công nghiệp" = "KCN"; listed in the YAML under ``matching``). So
"Sở Khoa học, Công nghệ", "Sở Lao động, Thương binh và Xã hội" and "UBND TP. Phổ Yên" compare equal to
their written variants. Punctuation never matters inside a name, except ";" which always ends a name.

A cell is read left to right, taking at each word the *longest* known name that starts there (hence
"Sở Khoa học và Công nghệ" wins over a split at "và"). Between names, punctuation and the word "và" are
glue. Anything else left over is reported as unresolved, never dropped. In detail (``names``):

* a name starts only at a boundary — the cell's start, after punctuation, "và" or another name — never
  inside a run of unknown words: "Trung tâm Chuyển đổi số Thành phố" is one unknown name, not a Sở;
* a two-letter short form ("TP") is never an alias of a name without it ("Sở TP" would be "Sở thành
  phố"): the loader refuses it;
* administrative units in any order ("UBND các phường, xã" = "UBND các xã, phường");
* unknown words split into several names only where a comma, ";" or "và" precedes an agency word
  (``HEAD_WORDS``: "Cục A, Cục B và Vụ C"); "Các Cục: A, B" distributes ("Cục A", "Cục B");
* "tỉnh …"/"thành phố …" after a name is its place: another province's ("Sở Tài chính thành phố Hà
  Nội") is flagged, never ours; remarks ("(chủ trì)", "nay là") are skipped;
* a name matched only without diacritics ("So Tai chinh") is a suggestion, never a match.

Who issued the document matters (:mod:`.issuers`, ``scope`` of :meth:`Directory.resolve_cell`): in a
national document "UBND các tỉnh, thành phố", "các địa phương", "các bộ, ngành, địa phương" are this
province (its ``national_focal_agency``, by default the standing agency), not its communes; in another
province's plan a provincial name is that province's and is flagged with a suggestion. National bodies
(``config/national_bodies.yaml``: ministries as reorganised in 2025, the Supreme Court …) are external:
never matched to a provincial body, no contacts. An officer settles a flagged or unknown name under
``confirmed_names`` (``dondoc agencies unresolved`` prints the line).
"""

from models.domain.agencies.directory import Directory
from models.domain.agencies.entries import (
    Agency,
    DirectoryError,
    Group,
    Succession,
    Suggestion,
    UnknownCodeError,
)
from models.domain.agencies.issuers import IssuerScope
from models.domain.agencies.loading import normalize_email, normalize_phone, valid_email

__all__ = [
    "Agency",
    "Directory",
    "DirectoryError",
    "Group",
    "IssuerScope",
    "Succession",
    "Suggestion",
    "UnknownCodeError",
    "normalize_email",
    "normalize_phone",
    "valid_email",
]
