"""Click's own texts in the user's language.

Typer carries its own copy of Click, whose texts (`Usage:`, `Show this message and exit.`,
`Error: No such option: --x`, `Missing argument 'NAME'.`) are plain English with no gettext.
Typer's own texts (`Options`, `Commands`, `[default: ...]`, `No such command`) do go through
gettext and are pointed at koptrack's catalog by `i18n.activate`. This module translates the rest:
the help formatter's words (a Context class with a translating formatter) and the error
messages (matched against Click's templates, listed here with `N_()` so the catalog holds them).
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import Any

from typer._click import core, formatting

from koptrack.i18n import N_, _, language

# Click's error messages, as Click writes them, with the variable parts named.
TEMPLATES = (
    N_("{message}. Did you mean {suggestions}?"),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param}: {message}"),
    N_("Missing argument {param}. {message}"),
    N_("Missing argument {param}."),
    N_("Missing option {param}. {message}"),
    N_("Missing option {param}."),
    N_("Missing parameter {param}."),
    N_("Missing parameter: {param}"),
    N_("Missing command."),
    N_("No such option: {option} (Possible options: {options})"),
    N_("No such option: {option}"),
    N_("Option {option} does not take a value."),
    N_("Option {option} requires an argument."),
    N_("Option {option} requires {n} arguments."),
    N_("Argument {name} takes {n} values."),
    N_("{value} is not one of {choices}."),
    N_("Value {value} is not a valid {kind}."),
    N_("{value} is not a valid integer."),
    N_("{value} is not a valid float."),
    N_("{value} is not a valid boolean."),
    N_("Could not open file {name}: {reason}"),
)
WORDS = (
    N_("Usage: "),
    N_("Show this message and exit."),
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
    N_("Try '{command} {option}' for help."),
    N_("Error: {message}"),
)


@cache
def _patterns() -> list[tuple[re.Pattern[str], str, list[str]]]:
    out = []
    for template in TEMPLATES:
        names = re.findall(r"\{(\w+)\}", template)
        regex = re.escape(template)
        for name in names:
            regex = regex.replace(re.escape("{" + name + "}"), f"(?P<{name}>.+?)", 1)
        out.append((re.compile(regex + r"\Z", re.S), template, names))
    return out


def translate(message: str, depth: int = 0) -> str:
    """One of Click's messages in the current language (as it is when no template matches)."""
    if language() == "en" or depth > 2:
        return message
    for pattern, template, names in _patterns():
        m = pattern.match(message)
        if m:
            values = {name: m.group(name) for name in names}
            if "message" in values:
                values["message"] = translate(values["message"], depth + 1)
            return _(template).format(**values)
    return message


def show(exc: Any, file: Any = None) -> None:
    """What `UsageError.show` / `ClickException.show` print, in the current language."""
    from typer._click.utils import echo

    file = file if file is not None else sys.stderr
    ctx = getattr(exc, "ctx", None)
    color = None
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]
            )
            hint += "\n"
        color = ctx.color
        echo(f"{ctx.get_usage()}\n{hint}", file=file, color=color)
    echo(_("Error: {message}").format(message=translate(exc.format_message())), file=file, color=color)


def translated_show(exc: Any) -> None:
    """Make `exc` (one of Click's errors) show itself in the current language."""
    if language() == "en":
        return
    exc.show = lambda file=None: show(exc, file)


class Formatter(formatting.HelpFormatter):
    """Click's help formatter with its own words translated."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        for word in ("[OPTIONS]", "COMMAND [ARGS]..."):
            args = args.replace(word, _(word))
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(term, _(text) if text == "Show this message and exit." else text) for term, text in rows]
        super().write_dl(rows, col_max, col_spacing)


class Context(core.Context):
    formatter_class = Formatter


def use_formatter(command: Any) -> None:
    """The command (and its subcommands) format their help with `Formatter`."""
    command.context_class = Context
    for sub in getattr(command, "commands", {}).values():
        use_formatter(sub)
