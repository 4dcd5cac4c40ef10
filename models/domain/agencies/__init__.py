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
normalisation), ``routing`` (succession, group members, candidates), ``directory`` (the
:class:`Directory` that composes them).

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
glue. Anything else left over is reported as unresolved, never dropped.
"""

from models.domain.agencies.directory import Directory
from models.domain.agencies.entries import Agency, DirectoryError, Group, UnknownCodeError
from models.domain.agencies.loading import normalize_email, normalize_phone, valid_email

__all__ = [
    "Agency",
    "Directory",
    "DirectoryError",
    "Group",
    "UnknownCodeError",
    "normalize_email",
    "normalize_phone",
    "valid_email",
]
