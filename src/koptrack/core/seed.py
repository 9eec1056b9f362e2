"""Load a seed YAML (data/seed.yaml by default): sources, regions (regencies, kecamatan and the
kecamatan's aliases), programmes and their rules, cooperatives with their BPJS registration,
targets, and reported counts.

The whole file is parsed and checked first; an error names the entry and field
(`cooperatives[0].kecamatan`). Only then is anything written, in the caller's transaction.
Loading the same file twice leaves the same database: every entry is matched on its natural key
and updated in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml
from sqlalchemy import func
from sqlmodel import Session, select

from koptrack import i18n
from koptrack.core import audit
from koptrack.core.regions import KecamatanNames, kecamatan_aliases
from koptrack.domain import validate
from koptrack.domain.vocab import ANY, METRICS
from koptrack.errors import KoptrackError, ValidationError
from koptrack.i18n import _
from koptrack.store.models import (
    RULES_SINCE,
    BpjsRegistration,
    Cooperative,
    Kecamatan,
    KecamatanAlias,
    PkspkbMembership,
    Programme,
    ProgrammeRate,
    ProgrammeRule,
    Regency,
    ReportedCount,
    Source,
    Target,
)

MAX_SEED_BYTES = 5_000_000


class SeedError(KoptrackError):
    pass


def default_seed_path() -> Path:
    """The packaged copy of data/seed.yaml, or the repository's copy in a source checkout."""
    packaged = resources.files("koptrack").joinpath("data/seed.yaml")
    if packaged.is_file():
        return Path(str(packaged))
    repo = Path(__file__).resolve().parents[3] / "data" / "seed.yaml"
    if repo.is_file():
        return repo
    raise KoptrackError(_("the default seed file data/seed.yaml is missing from this installation"))


def _err(where: str, field: str, value: object, reason: str) -> SeedError:
    """`cooperatives[0].kecamatan 'Klarii': <reason>`: `reason` is a whole predicate, translated."""
    if field:
        return SeedError(
            _("{where}.{field} {value}: {reason}").format(where=where, field=field, value=repr(value), reason=reason)
        )
    return SeedError(_("{where}: {reason}").format(where=where, reason=reason))


def _unknown_fields(where: str, fields) -> SeedError:
    return SeedError(
        _("{where}: unknown field(s) {fields}").format(where=where, fields=", ".join(sorted(map(str, fields))))
    )


class _Entry:
    """Field access on one mapping of the seed file, with errors naming the entry."""

    def __init__(self, data: Any, where: str, allowed: set[str]):
        if not isinstance(data, dict):
            raise SeedError(
                _("{where}: must be a mapping (key: value), not {type}").format(where=where, type=type(data).__name__)
            )
        unknown = set(data) - allowed
        if True in unknown or False in unknown:
            raise SeedError(
                _(
                    "{where}: a key reads as yes/no/on/off, which YAML takes for true/false; "
                    "quote it or use the documented name"
                ).format(where=where)
            )
        if unknown:
            raise _unknown_fields(where, unknown)
        self.data, self.where = data, where

    def get(self, field: str, parse=None, *, required: bool = False, default=None):
        value = self.data.get(field)
        if value is None:
            if required:
                raise _err(self.where, field, None, _("is required"))
            return default
        if parse is None:
            return value
        try:
            return parse(value)
        except ValidationError as exc:
            raise _err(self.where, field, exc.value, exc.reason) from None

    def text(self, field: str, *, required: bool = False, max_len: int = 2000):
        return self.get(field, lambda v: validate.clean_text(v, field, max_len=max_len), required=required)


def _list(doc: dict, key: str, where: str | None = None) -> list:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise SeedError(_("{where}: must be a list").format(where=where or key))
    return value


def _no_repeats(entries: list, section: str, ident, label: str) -> None:
    """Refuse an entry listed twice in one file (the later one would silently win)."""
    seen: dict = {}
    for i, entry in enumerate(entries):
        key = ident(entry)
        if key in seen:
            raise SeedError(
                _("{where}: {label} {key} is listed twice (also {other})").format(
                    where=f"{section}[{i}]", label=label, key=repr(key), other=f"{section}[{seen[key]}]"
                )
            )
        seen[key] = i


def _date(v):
    return validate.parse_date(v)


def _metric(v):
    if v not in METRICS:
        raise ValidationError("metric", v, _("must be one of {choices}").format(choices=", ".join(METRICS)))
    return v


def _segment(parse):
    return lambda v: ANY if str(v).strip().lower() == ANY else parse(v)


def _positive(v):
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValidationError("value", v, _("must be a whole number above 0"))
    return validate.parse_count(v, "value", minimum=1)  # and one the database can hold


def _count(v):
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValidationError("value", v, _("must be a whole number, {minimum} or more").format(minimum=0))
    return validate.parse_count(v, "value")


MAX_SEED_DEPTH = 32  # the shipped seed nests 4 deep


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without anchors and aliases: a seed has no use for them, and an alias bomb
    (a billion laughs) would otherwise expand when the document is walked. Nesting is capped
    too: PyYAML composes nodes recursively, so `[[[[...` a few hundred deep would end in a
    RecursionError (a traceback) instead of a clear refusal."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, _("aliases (*name) are not allowed in a seed file"), event.start_mark
            )
        if self._depth >= MAX_SEED_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                _("nested more than {n} levels deep").format(n=MAX_SEED_DEPTH),
                self.peek_event().start_mark,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_seed(path: Path) -> dict:
    shown = repr(str(path))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SeedError(_("seed file {path}: {error}").format(path=shown, error=exc.strerror)) from None
    if size > MAX_SEED_BYTES:
        raise SeedError(
            _("seed file {path}: {size} bytes is larger than a seed can be ({maximum})").format(
                path=shown, size=i18n.number(size), maximum=i18n.number(MAX_SEED_BYTES)
            )
        )
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except UnicodeDecodeError:
        raise SeedError(_("seed file {path}: not UTF-8 text").format(path=shown)) from None
    except OSError as exc:  # a folder, a file this user may not read
        raise SeedError(_("seed file {path}: {error}").format(path=shown, error=exc.strerror)) from None
    except ValueError as exc:  # an integer of more than 4300 digits: Python refuses to convert it
        raise SeedError(_("seed file {path}: not a seed: {error}").format(path=shown, error=exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", exc)
        if mark:
            message = _("seed file {path}: not valid YAML at line {line}: {problem}").format(
                path=shown, line=mark.line + 1, problem=problem
            )
        else:
            message = _("seed file {path}: not valid YAML: {problem}").format(path=shown, problem=problem)
        raise SeedError(message) from None
    if not isinstance(doc, dict):
        raise SeedError(
            _("seed file {path}: must be a YAML mapping with sections (sources, regions, ...)").format(path=shown)
        )
    return doc


def _plan_aliases(aliases, plan: dict, existing_kecamatan: Sequence[tuple[str, str]], source) -> None:
    """regions.aliases: other spellings of a kecamatan of this file or the database, as
    [code, alias] lists in groups with their source (one group, or a list of groups)."""
    names = dict(existing_kecamatan) | {k["code"]: k["name"] for k in plan["kecamatan"]}
    seen: dict[tuple[str, str], str] = {}
    groups = aliases if isinstance(aliases, list) else [aliases] if aliases else []
    for g, group in enumerate(groups):
        where = "regions.aliases" if isinstance(aliases, dict) else f"regions.aliases[{g}]"
        e = _Entry(group, where, {"source", "list"})
        source(e)
        items = e.get("list", required=True)
        if not isinstance(items, list):
            raise SeedError(_("{where}: must be a list of [code, alias]").format(where=f"{where}.list"))
        for j, item in enumerate(items):
            item_where = f"{where}.list[{j}]"
            if not (isinstance(item, list) and len(item) == 2):
                raise SeedError(_("{where}: must be [code, alias]").format(where=item_where))
            how, code = validate.kecamatan_key(item[0])
            if how != "code" or code not in names:
                raise SeedError(
                    _("{where}: code {code} is not a kecamatan of this file or of the database").format(
                        where=item_where, code=repr(str(item[0]))
                    )
                )
            try:
                alias = cast(str, validate.clean_text(item[1], "alias", required=True))  # never None
            except ValidationError as exc:
                raise _err(item_where, "alias", exc.value, exc.reason) from None
            if validate.kecamatan_key(alias)[0] != "name":
                raise SeedError(
                    _("{where}: alias {alias} reads as a code, not as a name").format(
                        where=item_where, alias=repr(alias)
                    )
                )
            if alias.casefold() == names[code].casefold():
                raise SeedError(
                    _("{where}: alias {alias} is the name of kecamatan {code} itself").format(
                        where=item_where, alias=repr(alias), code=code
                    )
                )
            key = (code, alias.casefold())
            if key in seen:
                raise SeedError(
                    _("{where}: alias {alias} of {code} is listed twice (also {other})").format(
                        where=item_where, alias=repr(alias), code=code, other=seen[key]
                    )
                )
            seen[key] = item_where
            plan["aliases"].append(dict(code=code, alias=alias))


def plan_seed(
    doc: dict,
    existing_kecamatan: Sequence[tuple[str, str]] = (),
    existing_aliases: Sequence[tuple[str, str]] = (),
) -> dict:
    """Check the whole document; return plain values ready to write. Raises SeedError."""
    known_sections = {
        "format",
        "sources",
        "regions",
        "programmes",
        "programme_rules",
        "programme_rates",
        "cooperatives",
        "targets",
        "reported_counts",
    }
    unknown = set(doc) - known_sections
    if unknown:
        raise SeedError(_("unknown section(s) {sections}").format(sections=", ".join(sorted(map(str, unknown)))))
    if doc.get("format", 1) != 1:
        raise SeedError(_("format {format}: this koptrack reads seed format 1").format(format=repr(doc.get("format"))))
    plan: dict[str, list] = {
        k: []
        for k in (
            "sources",
            "regencies",
            "kecamatan",
            "aliases",
            "programmes",
            "rules",
            "rates",
            "coops",
            "targets",
            "reported",
        )
    }

    for i, raw in enumerate(_list(doc, "sources")):
        e = _Entry(raw, f"sources[{i}]", {"key", "kind", "title", "reference", "issued_on", "location", "note"})
        plan["sources"].append(
            dict(
                key=e.text("key", required=True, max_len=100),
                kind=e.text("kind", required=True, max_len=50),
                title=e.text("title", required=True, max_len=500),
                reference=e.text("reference", max_len=500),
                issued_on=e.get("issued_on", _date),
                location=e.text("location", max_len=500),
                note=e.text("note"),
            )
        )
    _no_repeats(plan["sources"], "sources", lambda s: s["key"], "key")
    source_keys = {s["key"] for s in plan["sources"]}

    def source(e: _Entry):
        key = e.get("source")
        if key is not None and (not isinstance(key, str) or key not in source_keys):
            raise _err(e.where, "source", key, _("is not a key listed under sources"))
        return key

    regions = doc.get("regions") or {}
    if not isinstance(regions, dict):
        raise SeedError(_("regions: must be a mapping with regencies and kecamatan"))
    unknown = set(regions) - {"regencies", "kecamatan", "aliases"}
    if unknown:
        raise _unknown_fields("regions", unknown)
    for i, raw in enumerate(_list(regions, "regencies", "regions.regencies")):
        e = _Entry(raw, f"regions.regencies[{i}]", {"code", "name", "province"})
        code = str(e.get("code", required=True))
        if not (len(code) == 5 and code[2] == "." and code.replace(".", "").isdigit()):
            raise _err(e.where, "code", code, _("must look like 32.15"))
        plan["regencies"].append(dict(code=code, name=e.text("name", required=True), province=e.text("province")))
    _no_repeats(plan["regencies"], "regions.regencies", lambda r: r["code"], "code")
    regency_codes = {r["code"] for r in plan["regencies"]}
    kec = regions.get("kecamatan")
    kec_where: list[str] = []
    groups = kec if isinstance(kec, list) else [kec] if kec else []
    for g, group in enumerate(groups):
        where = "regions.kecamatan" if isinstance(kec, dict) else f"regions.kecamatan[{g}]"
        e = _Entry(group, where, {"source", "regency", "list"})
        regency = str(e.get("regency", required=True))
        if regency not in regency_codes:
            raise _err(e.where, "regency", regency, _("is not listed under regions.regencies"))
        source(e)
        items = e.get("list", required=True)
        if not isinstance(items, list):
            raise SeedError(_("{where}: must be a list of [code, name]").format(where=f"{where}.list"))
        for j, item in enumerate(items):
            item_where = f"{where}.list[{j}]"
            if not (isinstance(item, list) and len(item) == 2):
                raise SeedError(_("{where}: must be [code, name]").format(where=item_where))
            code = str(item[0])
            try:
                name = validate.clean_text(item[1], "name")
            except ValidationError as exc:
                raise _err(item_where, "name", exc.value, exc.reason) from None
            how, key = validate.kecamatan_key(code)
            if how != "code" or not key.startswith(regency + "."):
                raise SeedError(
                    _("{where}: code {code} must be a kecamatan code in regency {regency}").format(
                        where=item_where, code=repr(code), regency=regency
                    )
                )
            if not name:
                raise SeedError(_("{where}: name is required").format(where=item_where))
            plan["kecamatan"].append(dict(code=key, name=name, regency_code=regency))
            kec_where.append(item_where)
    seen: dict[str, str] = {}
    for k, item_where in zip(plan["kecamatan"], kec_where, strict=True):
        if k["code"] in seen:
            raise SeedError(
                _("{where}: code {code} is listed twice (also {other})").format(
                    where=item_where, code=k["code"], other=seen[k["code"]]
                )
            )
        seen[k["code"]] = item_where
    _plan_aliases(regions.get("aliases"), plan, existing_kecamatan, source)

    for i, raw in enumerate(_list(doc, "programmes")):
        e = _Entry(raw, f"programmes[{i}]", {"code", "name", "pu_rate", "paid_by", "legal_basis", "verified"})
        code = e.get("code", required=True)
        if code not in validate.PROGRAMMES:
            raise _err(
                e.where, "code", code, _("must be one of {choices}").format(choices=", ".join(validate.PROGRAMMES))
            )
        plan["programmes"].append(
            dict(
                code=code,
                name=e.text("name", required=True),
                pu_rate=e.text("pu_rate"),
                paid_by=e.text("paid_by"),
                legal_basis=e.text("legal_basis"),
                verified=bool(e.get("verified", default=False)),
            )
        )
    for i, raw in enumerate(_list(doc, "programme_rules")):
        e = _Entry(
            raw,
            f"programme_rules[{i}]",
            {"category", "employer_size", "programmes", "valid_from", "legal_basis", "verified"},
        )
        size = e.get("employer_size", default=ANY)
        if size != ANY:
            size = e.get("employer_size", validate.parse_employer_size)
        plan["rules"].append(
            dict(
                category=e.get("category", validate.parse_category, required=True),
                employer_size=size,
                programmes=validate.format_programmes(e.get("programmes", validate.parse_programmes, required=True)),
                valid_from=e.get("valid_from", _date, default=RULES_SINCE),
                legal_basis=e.text("legal_basis"),
                verified=bool(e.get("verified", default=False)),
            )
        )
    programme_codes = {p["code"] for p in plan["programmes"]}
    for i, raw in enumerate(_list(doc, "programme_rates")):
        e = _Entry(
            raw, f"programme_rates[{i}]", {"programme", "category", "valid_from", "rate", "legal_basis", "verified"}
        )
        code = e.get("programme", required=True)
        if code not in programme_codes:
            raise _err(e.where, "programme", code, _("is not listed under programmes"))
        plan["rates"].append(
            dict(
                programme=code,
                category=e.get("category", validate.parse_category, default="pu"),
                valid_from=e.get("valid_from", _date, required=True),
                rate=e.text("rate", required=True),
                legal_basis=e.text("legal_basis"),
                verified=bool(e.get("verified", default=False)),
            )
        )
    _no_repeats(plan["programmes"], "programmes", lambda p: p["code"], "code")
    _no_repeats(
        plan["rules"],
        "programme_rules",
        lambda r: (r["category"], r["employer_size"], r["valid_from"].isoformat()),
        "category/employer_size/valid_from",
    )
    _no_repeats(
        plan["rates"],
        "programme_rates",
        lambda r: (r["programme"], r["category"], r["valid_from"].isoformat()),
        "programme/category/valid_from",
    )

    kec_names = KecamatanNames(
        list(existing_kecamatan) + [(k["code"], k["name"]) for k in plan["kecamatan"]],
        list(existing_aliases) + [(a["code"], a["alias"]) for a in plan["aliases"]],
    )
    for i, raw in enumerate(_list(doc, "cooperatives")):
        e = _Entry(
            raw,
            f"cooperatives[{i}]",
            {
                "name",
                "kind",
                "base",
                "kecamatan",
                "desa",
                "legal_no",
                "nik_koperasi",
                "address",
                "employer_size",
                "note",
                "source",
                "bpjs_registration",
                "pkspkb_membership",
            },
        )
        coop = dict(
            name=e.get("name", validate.clean_name, required=True),
            kind=e.get("kind", validate.parse_kind, required=True),
            base=e.get("base", validate.parse_base, default="unknown"),
            kecamatan_code=e.get("kecamatan", kec_names.match, required=True),
            desa=e.text("desa"),
            legal_no=e.text("legal_no"),
            nik_koperasi=e.get("nik_koperasi", validate.parse_nik_koperasi),
            address=e.text("address"),
            employer_size=e.get("employer_size", validate.parse_employer_size),
            note=e.text("note"),
            source_key=source(e),
        )
        reg = None
        if raw.get("bpjs_registration") is not None:
            r = _Entry(
                raw["bpjs_registration"],
                f"{e.where}.bpjs_registration",
                {"registered_on", "npp", "branch", "note", "source"},
            )
            reg = dict(
                registered_on=r.get("registered_on", _date, required=True),
                npp=r.get("npp", validate.parse_npp),
                branch=r.text("branch"),
                note=r.text("note"),
                source_key=source(r),
            )
        pks = None
        if raw.get("pkspkb_membership") is not None:
            p = _Entry(raw["pkspkb_membership"], f"{e.where}.pkspkb_membership", {"joined_on", "agreement_no", "note"})
            pks = dict(
                joined_on=p.get("joined_on", _date, required=True),
                agreement_no=p.text("agreement_no"),
                note=p.text("note"),
            )
        plan["coops"].append((coop, reg, pks))
    _no_repeats(
        plan["coops"], "cooperatives", lambda c: (c[0]["name"].casefold(), c[0]["kecamatan_code"]), "name/kecamatan"
    )

    for section, key, value_parse in (("targets", "targets", _positive), ("reported_counts", "reported", _count)):
        seen_keys = set()
        for i, raw in enumerate(_list(doc, section)):
            e = _Entry(raw, f"{section}[{i}]", {"year", "metric", "kind", "base", "regency", "value", "note", "source"})
            row = dict(
                year=e.get("year", validate.parse_year, required=True),
                metric=e.get("metric", _metric, required=True),
                kind=e.get("kind", _segment(validate.parse_kind), default=ANY),
                base=e.get("base", _segment(validate.parse_base), default=ANY),
                regency=e.get("regency", lambda v: validate.parse_regency(v) or ANY, default=ANY),
                value=e.get("value", value_parse, required=True),
                note=e.text("note"),
                source_key=source(e),
            )
            ident = (row["year"], row["metric"], row["kind"], row["base"], row["regency"])
            if ident in seen_keys:
                raise SeedError(
                    _("{where}: year/metric/kind/base/regency {ident} is listed twice").format(
                        where=e.where, ident=ident
                    )
                )
            seen_keys.add(ident)
            plan[key].append(row)
    return plan


def _upsert(session: Session, model, where: dict, values: dict) -> tuple[Any, bool]:
    stmt = select(model)
    for k, v in where.items():
        stmt = stmt.where(getattr(model, k) == v)
    obj = session.exec(stmt).first()
    if obj is None:
        obj = model(**where, **values)
        session.add(obj)
        return obj, True
    for k, v in values.items():
        setattr(obj, k, v)
    session.add(obj)
    return obj, False


def apply_seed(session: Session, plan: dict) -> dict[str, int]:
    """Write a checked plan; returns how many of each entity were created (0 on a re-seed)."""
    created = {k: 0 for k in plan}

    def put(key, model, where, values):
        obj, new = _upsert(session, model, where, values)
        created[key] += new
        return obj

    for s in plan["sources"]:
        put("sources", Source, {"key": s["key"]}, {k: v for k, v in s.items() if k != "key"})
    for r in plan["regencies"]:
        put("regencies", Regency, {"code": r["code"]}, {"name": r["name"], "province": r["province"]})
    session.flush()
    for k in plan["kecamatan"]:
        put("kecamatan", Kecamatan, {"code": k["code"]}, {"name": k["name"], "regency_code": k["regency_code"]})
    for p in plan["programmes"]:
        put("programmes", Programme, {"code": p["code"]}, {k: v for k, v in p.items() if k != "code"})
    for r in plan["rules"]:
        put(
            "rules",
            ProgrammeRule,
            {"category": r["category"], "employer_size": r["employer_size"], "valid_from": r["valid_from"]},
            {k: v for k, v in r.items() if k not in ("category", "employer_size", "valid_from")},
        )
    session.flush()
    for r in plan["rates"]:  # after the flush: a rate refers to its programme
        put(
            "rates",
            ProgrammeRate,
            {"programme": r["programme"], "category": r["category"], "valid_from": r["valid_from"]},
            {k: v for k, v in r.items() if k not in ("programme", "category", "valid_from")},
        )
    for a in plan["aliases"]:  # after the flush: an alias refers to its kecamatan
        put("aliases", KecamatanAlias, {"code": a["code"], "alias": a["alias"]}, {})
    for i, (coop_values, reg, pks) in enumerate(plan["coops"]):
        # Matched as `koptrack coop add` refuses duplicates: the name in any case, in the kecamatan.
        match = session.exec(
            select(Cooperative).where(
                func.lower(Cooperative.name) == coop_values["name"].lower(),
                Cooperative.kecamatan_code == coop_values["kecamatan_code"],
            )
        ).first()
        for field in ("nik_koperasi", "legal_no"):
            value = coop_values.get(field)
            if value is None:
                continue
            stmt = select(Cooperative.id).where(getattr(Cooperative, field) == value)
            if match is not None:
                stmt = stmt.where(Cooperative.id != match.id)
            other = session.exec(stmt).first()
            if other is not None:
                raise _err(
                    f"cooperatives[{i}]", field, value, _("already belongs to cooperative {id}").format(id=other)
                )
        if match is None:
            match = Cooperative(**coop_values)
            session.add(match)
            created["coops"] += 1
        else:
            for k, v in coop_values.items():
                if v is not None:
                    setattr(match, k, v)
            session.add(match)
        session.flush()
        # A registration or membership is seeded only where the cooperative has none at all:
        # later records (a corrected date, a deregistration) are the office's, not the seed's.
        coop_id = cast(int, match.id)  # flushed above
        if reg and session.exec(select(BpjsRegistration.id).where(BpjsRegistration.coop_id == coop_id)).first() is None:
            session.add(BpjsRegistration(coop_id=coop_id, **reg))
        if pks and session.exec(select(PkspkbMembership.id).where(PkspkbMembership.coop_id == coop_id)).first() is None:
            session.add(PkspkbMembership(coop_id=coop_id, **pks))
    for key, model in (("targets", Target), ("reported", ReportedCount)):
        for t in plan[key]:
            ident = {k: t[k] for k in ("year", "metric", "kind", "base", "regency")}
            put(key, model, ident, {k: t[k] for k in ("value", "note", "source_key")})
    session.flush()
    return created


def load_seed(session: Session, path: str | Path | None = None) -> dict[str, int]:
    """Check and load a seed file into the session's transaction."""
    path = Path(path) if path else default_seed_path()
    doc = read_seed(path)
    existing = [(c, n) for c, n in session.exec(select(Kecamatan.code, Kecamatan.name)).all()]
    plan = plan_seed(doc, existing, kecamatan_aliases(session))
    created = apply_seed(session, plan)
    # A kecamatan whose stored name differs from the file's (a typo corrected) is renamed in place:
    # its code, and so every cooperative in it, stays.
    before = dict(existing)
    renamed = {
        k["code"]: [before[k["code"]], k["name"]]
        for k in plan["kecamatan"]
        if before.get(k["code"], k["name"]) != k["name"]
    }
    if renamed:
        audit.record(session, "seed", path.name, action="seed", file=str(path), created=created, renamed=renamed)
    else:
        audit.record(session, "seed", path.name, action="seed", file=str(path), created=created)
    return created
