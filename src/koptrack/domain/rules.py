"""The domain's rules about people and enrollments that are not a value's format: how old a
person can be in a role, which programmes a participant category may have, which category a role
implies. Pure: no database, no I/O (the core applies them, domain/validate.py parses values).

Each rule says whether a case is impossible (refused) or improbable (refused unless the office
confirms it: a typing error is far likelier than a ten-year-old employee). See DOMAIN.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from koptrack import i18n
from koptrack.errors import KoptrackError
from koptrack.i18n import _, ngettext

# Below these ages a person in the role is almost surely a typing error in the NIK or the date
# (DOMAIN.md: "an employee under 15 (or a member under 17)"); above OLDEST, too.
YOUNGEST = {"karyawan": 15, "anggota": 17}
OLDEST = 100

# Programmes open to wage earners only (PP 45/2015 for JP, PP 37/2021 for JKP).
PU_ONLY = ("jp", "jkp")

# The category a role implies: a cooperative's employees are wage earners (PU), its members
# are not (BPU). A different category is possible (a member who is a wage earner elsewhere is
# enrolled by that employer, not here) but worth a word.
ROLE_CATEGORY = {"karyawan": "pu", "anggota": "bpu"}


class NeedsConfirmation(KoptrackError):
    """Improbable, not impossible: refused unless the command is repeated with --confirm."""

    def __init__(self, message: str, hint: str | None = None):
        if hint is None:
            hint = _("check it; if it is right, repeat the command with --confirm")
        super().__init__(message, hint)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years from `birth` to `day` (negative before birth)."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


@dataclass(frozen=True)
class AgeCheck:
    """The outcome of checking a person's age on the day they start a role: None, or why the
    case is improbable (a NeedsConfirmation message)."""

    improbable: str | None = None


def check_age(birth: dt.date, since: dt.date, role: str, *, who: str) -> AgeCheck:
    """A person cannot start a role before they were born (KoptrackError); an employee under 15,
    a member under 17 or anyone over 100 is improbable. `who` names the person in messages
    (a masked NIK)."""
    if since < birth:
        raise KoptrackError(
            _("{who} was born on {birth} (from the NIK) and cannot be {role} from {since}, before birth").format(
                who=who, birth=i18n.date(birth), role=role, since=i18n.date(since)
            ),
            hint=_("check the NIK's digits 7-12 (date of birth) and the start date"),
        )
    age = age_on(birth, since)
    youngest = YOUNGEST.get(role, 15)
    if age < youngest:
        return AgeCheck(
            _(
                "{who} would be {age} years old on {since} (born {birth}, from the NIK): "
                "a {role} under {youngest} is improbable"
            ).format(who=who, age=age, since=i18n.date(since), birth=i18n.date(birth), role=role, youngest=youngest)
        )
    if age > OLDEST:
        return AgeCheck(
            _(
                "{who} would be {age} years old on {since} (born {birth}, from the NIK): "
                "older than {oldest} is improbable"
            ).format(who=who, age=age, since=i18n.date(since), birth=i18n.date(birth), oldest=OLDEST)
        )
    return AgeCheck()


def check_programmes(category: str, programmes: Iterable[str]) -> None:
    """JP and JKP are for wage earners (PU) only: a BPU enrollment listing them is wrong."""
    wrong = [p for p in programmes if p in PU_ONLY]
    if category == "bpu" and wrong:
        names = ", ".join(p.upper() for p in wrong)
        # core/imports/checks.py shows what follows the first ": " beside the programmes column
        raise KoptrackError(
            ngettext(
                "programmes: {names} is for wage earners (PU) only; "
                "a BPU enrollment has JKK and JKM (and JHT if chosen)",
                "programmes: {names} are for wage earners (PU) only; "
                "a BPU enrollment has JKK and JKM (and JHT if chosen)",
                len(wrong),
            ).format(names=names),
            hint=_("leave out {names}, or enroll the person as --category pu if they are a wage earner").format(
                names=names
            ),
        )


def category_warning(category: str, roles: Iterable[str], kind: str) -> str | None:
    """A word when the category contradicts every role the person has with the cooperative
    (a karyawan enrolled as BPU, an anggota of a producer cooperative enrolled as PU)."""
    roles = list(roles)
    expected = {ROLE_CATEGORY[r] for r in roles if r in ROLE_CATEGORY}
    if not expected or category in expected:
        return None
    role = roles[0]
    usual = ROLE_CATEGORY[role].upper()
    if role == "anggota":
        return _(
            "category {category} for an anggota of a {kind} cooperative: the usual category is {usual}; "
            "recorded as given"
        ).format(category=category.upper(), kind=kind, usual=usual)
    return _("category {category} for a karyawan: the usual category is {usual}; recorded as given").format(
        category=category.upper(), usual=usual
    )


def in_force(rules: Iterable[tuple[dt.date, object]], day: dt.date) -> object | None:
    """Of rules given as (valid_from, value), the value in force on `day`: the latest that began
    on or before it (None if none had begun)."""
    chosen: tuple[dt.date, object] | None = None
    for valid_from, value in rules:
        if valid_from <= day and (chosen is None or valid_from > chosen[0]):
            chosen = (valid_from, value)
    return None if chosen is None else chosen[1]
