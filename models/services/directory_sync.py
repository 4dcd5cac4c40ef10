"""Mirror of the agency directory (``config/agencies.yaml``) in the database.

The YAML, reviewed by people, is the source of names, kinds, aliases, groups and succession; the
database copy lets tasks, cycles and messages refer to agencies by id and lets reports join on them.
Contacts are different: once ``dondoc agencies load`` has set an agency's contacts
(``contacts_source = "loaded"``), a later sync leaves them alone.
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, delete, select

from models.domain.agencies import Directory
from models.store.plan_tables import Agency, AgencyAlias, AgencyGroup, AgencyGroupMember

CONTACT_FIELDS = ("email", "phone", "zalo_user_id", "head_name", "head_title", "head_email", "head_phone")


@dataclass
class DirectoryIds:
    """Database ids by directory code."""

    agency: dict[str, int]
    group: dict[str, int]


def _agency_values(agency: Any) -> dict[str, Any]:
    return {
        "name": agency.name,
        "kind": agency.kind,
        "valid_from": agency.valid_from,
        "valid_to": agency.valid_to,
        "successor_code": agency.successor,
        "succeeded_on": agency.succeeded_on,
        "legal_basis": agency.legal_basis,
        "review": agency.review,
        "sample": agency.sample,
    }


def _contact_values(agency: Any) -> dict[str, Any]:
    head = agency.head
    return {
        "email": agency.email,
        "phone": agency.phone,
        "zalo_user_id": agency.zalo_user_id,
        "head_name": head.name,
        "head_title": head.title,
        "head_email": head.email,
        "head_phone": head.phone,
    }


def assign_changed(row: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``row``; True when anything differed (so re-imports can say "no change")."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def sync_directory(session: Session, directory: Directory) -> tuple[DirectoryIds, bool]:
    """Upsert agencies, groups, memberships and aliases; return their ids and whether anything changed."""
    changed = False
    agencies = {a.code: a for a in session.exec(select(Agency))}
    for code, entry in directory.agencies.items():
        row = agencies.get(code)
        values = _agency_values(entry)
        if row is None:
            row = Agency(code=code, **values, **_contact_values(entry))
            session.add(row)
            agencies[code] = row
            changed = True
        else:
            changed |= assign_changed(row, values)
            if row.contacts_source != "loaded":
                changed |= assign_changed(row, _contact_values(entry))
    groups = {g.code: g for g in session.exec(select(AgencyGroup))}
    for code, entry in directory.groups.items():
        row = groups.get(code)
        values = {"name": entry.name, "open_ended": entry.open_ended}
        if row is None:
            row = AgencyGroup(code=code, **values)
            session.add(row)
            groups[code] = row
            changed = True
        else:
            changed |= assign_changed(row, values)
    session.flush()
    ids = DirectoryIds(
        agency={code: row.id for code, row in agencies.items() if row.id is not None},
        group={code: row.id for code, row in groups.items() if row.id is not None},
    )

    # Memberships: every agency a group can expand to (dates and succession apply at routing time).
    wanted_members = {
        (ids.group[g], ids.agency[a]) for g in directory.groups for a in directory.members(g) if a in ids.agency
    }
    have_members = {(m.group_id, m.agency_id): m for m in session.exec(select(AgencyGroupMember))}
    for pair in wanted_members - have_members.keys():
        session.add(AgencyGroupMember(group_id=pair[0], agency_id=pair[1]))
        changed = True
    for pair in have_members.keys() - wanted_members:
        session.delete(have_members[pair])
        changed = True

    # Aliases: every spelling of every entry, keyed by the directory's comparison key.
    wanted_aliases: dict[str, tuple[str, int | None, int | None]] = {}
    for code, agency in directory.agencies.items():
        for name in agency.names:
            wanted_aliases.setdefault(directory.key(name), (name, ids.agency[code], None))
    for code, group in directory.groups.items():
        for name in group.names:
            wanted_aliases.setdefault(directory.key(name), (name, None, ids.group[code]))
    have_aliases = {a.alias_key: a for a in session.exec(select(AgencyAlias))}
    for key, (name, agency_id, group_id) in wanted_aliases.items():
        row = have_aliases.pop(key, None)
        if row is None:
            session.add(AgencyAlias(alias=name, alias_key=key[:255], agency_id=agency_id, group_id=group_id))
            changed = True
        else:
            changed |= assign_changed(row, {"alias": name, "agency_id": agency_id, "group_id": group_id})
    if have_aliases:
        session.exec(delete(AgencyAlias).where(AgencyAlias.alias_key.in_(list(have_aliases))))  # type: ignore[call-overload,attr-defined]
        changed = True
    session.flush()
    return ids, changed
