"""The translation catalogs: extract every text koptrack shows, merge it into each language's
`.po` file, compile the `.mo` files that ship in the wheel, and check that nothing is missing.

    python scripts/catalog.py            # extract + update + compile (after changing texts)
    python scripts/catalog.py check      # what is untranslated, fuzzy or stale (exit 1 if any)
    python scripts/catalog.py check --paths src/koptrack/cli   # only texts from these files

Texts come from three places:
- koptrack's code: `_()`, `N_()`, `ngettext()`, `pgettext()` (Babel's Python extractor);
- the command line's help: every command's and option's help text, read from the Click
  commands Typer builds (docstrings included), so the catalog holds exactly what `--help`
  prints;
- Click's own texts (`Usage:`, `Options`, `No such command`): Typer carries its own copy of
  Click without gettext, so koptrack.cli.clicktext lists them with `N_()` and translates them.

Translations written elsewhere (`po/parts/*.po`, while several people translate at once) are
merged in by `update` where the catalog has none.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "koptrack"
LOCALE = SRC / "locale"
POT = LOCALE / "koptrack.pot"
LANGS = ("id",)
PARTS = ROOT / "po" / "parts"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}
HELP = "command-line help"


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "koptrack.po"


def mo_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "koptrack.mo"


def _sources() -> Iterator[Path]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def extract() -> Catalog:
    catalog = Catalog(project="koptrack", msgid_bugs_address="", fuzzy=False)
    method_options = {}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for lineno, message, comments, context in extract_from_file(
            "python", str(path), keywords=KEYWORDS, options=method_options
        ):
            catalog.add(message, locations=[(rel, lineno)], auto_comments=comments, context=context)
    # Typer's own texts (`Options`, `Commands`, `[default: ...]`): it calls gettext for them
    import typer.core

    typer_core = Path(typer.core.__file__)
    for lineno, message, _comments, context in extract_from_file("python", str(typer_core), keywords={"_": None}):
        catalog.add(message, locations=[("typer/core.py", lineno)], context=context)
    from koptrack.i18n import help_key

    for text, where in cli_texts():
        catalog.add(help_key(text), locations=[(where, 0)], auto_comments=[HELP])
    return catalog


def cli_texts() -> Iterator[tuple[str, str]]:
    """Every help text of the command line, as Click will print it (before translation)."""
    sys.path.insert(0, str(ROOT / "src"))
    import typer

    from koptrack import cli

    root = typer.main.get_command(cli.app)
    yield from _command_texts(root, "koptrack", translate=False)
    for name in cli.COMMANDS:
        yield from _command_texts(cli.load_command(name, translate=False), f"koptrack {name}", translate=False)


def _command_texts(command, where: str, *, translate: bool) -> Iterator[tuple[str, str]]:
    for attr in ("help", "short_help", "epilog"):
        text = getattr(command, attr, None)
        if text:
            yield text, where
    for param in command.params:
        if getattr(param, "help", None):
            yield param.help, f"{where} {param.opts[0]}"
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_texts(sub, f"{where} {name}", translate=translate)


def _parts() -> dict:
    found: dict = {}
    for part in sorted(PARTS.glob("*.po")) if PARTS.exists() else []:
        with part.open("rb") as f:
            for message in read_po(f):
                if message.id and _translated(message) and not message.fuzzy:
                    found[(message.id, message.context)] = message.string
    return found


def update(template: Catalog) -> None:
    POT.parent.mkdir(parents=True, exist_ok=True)
    with POT.open("wb") as f:
        write_po(f, template, width=100, omit_header=False, sort_output=False)
    parts = _parts()
    for lang in LANGS:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="koptrack")
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()  # texts the code no longer has
        for message in catalog:
            if not message.id:
                continue
            key = (message.id, message.context)
            if not _translated(message) and key in parts:
                message.string = parts[key]
                message.flags.discard("fuzzy")
            message.string = _one_form(message.string, catalog.num_plurals)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, sort_output=False, include_previous=False)


def compile_all() -> None:
    for lang in LANGS:
        with po_path(lang).open("rb") as f:
            catalog = read_po(f, locale=lang)
        with mo_path(lang).open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)


def preview(out: Path) -> None:
    """The catalogs with the translations waiting in po/parts, compiled into `out` (nothing in
    the source tree changes): `KOPTRACK_LOCALE_DIR=out koptrack ...` shows them."""
    template = extract()
    parts = _parts()
    for lang in LANGS:
        with po_path(lang).open("rb") as f:
            catalog = read_po(f, locale=lang)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        for message in catalog:
            if message.id and not _translated(message) and (message.id, message.context) in parts:
                message.string = parts[(message.id, message.context)]
            message.string = _one_form(message.string, catalog.num_plurals)
        target = out / lang / "LC_MESSAGES" / "koptrack.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)


def compiled(lang: str) -> bytes:
    with po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _one_form(string, forms: int = 2):
    """Bahasa Indonesia writes a noun the same after any number (`1 baris`, `5 baris`): a plural
    translated once (msgstr[0]) serves every form of the catalog's Plural-Forms."""
    if isinstance(string, tuple | list) and string and string[0]:
        return tuple(s or string[0] for s in (*string, *[""] * (forms - len(string))))
    return string


def _translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def problems(lang: str, paths: list[str] | None = None) -> list[str]:
    """Untranslated, fuzzy, missing and stale entries of `lang`'s catalog against the code
    now (only texts found in `paths`, when given); also texts passed to `_()` that Babel cannot
    read (an f-string)."""
    template = extract()
    with po_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    wanted = {(m.id, m.context) for m in template if m.id}
    for (msgid, context), string in _parts().items():  # translations waiting to be merged
        if (msgid, context) not in wanted:
            continue  # a part's translation of a text the code no longer has
        have = catalog.get(msgid, context=context)
        if have is None:
            catalog.add(msgid, string, context=context)
        elif not _translated(have):
            have.string = _one_form(string, catalog.num_plurals)
    out = []
    wanted = {(m.id, m.context) for m in template if m.id}
    for message in template:
        if not message.id:
            continue
        if paths and not any(loc.startswith(tuple(paths)) for loc, _ in message.locations):
            continue
        have = catalog.get(message.id, context=message.context)
        where = ", ".join(f"{loc}:{line}" for loc, line in message.locations[:2])
        if have is None:
            out.append(f"missing: {message.id!r} ({where})")
        elif have.fuzzy:
            out.append(f"fuzzy: {message.id!r} ({where})")
        elif not _translated(have):
            out.append(f"untranslated: {message.id!r} ({where})")
    if not paths:
        for message in catalog:
            if message.id and (message.id, message.context) not in wanted:
                out.append(f"stale: {message.id!r}")
    out += unreadable_calls(paths)
    return out


def unreadable_calls(paths: list[str] | None = None) -> list[str]:
    """`_(f"...")`, `_("a" + b)`, `_("{x}".format(x=1))`: a text the catalog can never hold."""
    out = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if paths and not rel.startswith(tuple(paths)):
            continue
        if rel.endswith("koptrack/i18n.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
                texts = node.args[:2] if node.func.id in ("ngettext", "pgettext", "NP_") else node.args[:1]
                for arg in texts:
                    # a name or an item (a text marked with N_() elsewhere) is looked up as it is;
                    # an f-string, a concatenation or an already formatted text is never in the catalog
                    if isinstance(arg, ast.JoinedStr | ast.BinOp) or (
                        isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format"
                    ):
                        out.append(f"not a literal text: {node.func.id}(...) at {rel}:{node.lineno}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", nargs="?", default="all", choices=["all", "check", "compile", "preview"])
    parser.add_argument("--out", help="preview: the folder to compile the catalogs into (KOPTRACK_LOCALE_DIR)")
    parser.add_argument("--paths", nargs="*", help="only texts found in these files or folders (check)")
    parser.add_argument("--lang", default="id")
    args = parser.parse_args(argv)
    if args.action == "check":
        found = problems(args.lang, [str(Path(p)) for p in args.paths] if args.paths else None)
        for line in found:
            print(line)
        print(f"{len(found)} problem(s)", file=sys.stderr)
        return 1 if found else 0
    if args.action == "preview":
        preview(Path(args.out))
        print(f"KOPTRACK_LOCALE_DIR={args.out}")
        return 0
    if args.action == "all":
        update(extract())
    compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
