"""The person's own settings, kept in their config folder (platformdirs; on Linux
`~/.config/koptrack/config.yaml`, on Windows `%LOCALAPPDATA%\\koptrack\\config.yaml`), and where
each value in force comes from: an option, an environment variable, this file, or the default.

    koptrack config                      # every setting, its value and its source
    koptrack config set language id      # id | en
    koptrack config set db D:\\data\\koptrack.db
    koptrack config set regency 32.15
    koptrack config unset regency

Loaded at every start (the language is needed before `--help`): nothing heavy is imported
unless a config file exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from koptrack import i18n
from koptrack.errors import KoptrackError
from koptrack.i18n import N_, _

KEYS = {
    "language": ("KOPTRACK_LANG", N_("the language koptrack speaks: id (Bahasa Indonesia) or en (English)")),
    "db": ("KOPTRACK_DB", N_("the database: a file path or a PostgreSQL URL")),
    "regency": ("KOPTRACK_REGENCY", N_("the regency this office reports on, e.g. 32.15 (Karawang)")),
}


def config_path() -> Path:
    if os.environ.get("KOPTRACK_CONFIG"):
        return Path(os.environ["KOPTRACK_CONFIG"])
    import platformdirs

    return platformdirs.user_config_path("koptrack", appauthor=False) / "config.yaml"


_loaded: tuple[Path, float, dict[str, str]] | None = None


def load() -> dict[str, str]:
    """The config file's settings ({} when there is none); an unreadable file is an error."""
    global _loaded
    path = config_path()
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return {}
    if _loaded and _loaded[0] == path and _loaded[1] == stamp:
        return dict(_loaded[2])
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KoptrackError(
            _("cannot read the settings file {path}: {reason}").format(path=path, reason=str(exc).splitlines()[0]),
            hint=_("correct it in a text editor, or delete it to start again"),
        ) from None
    if not isinstance(data, dict):
        raise KoptrackError(_("the settings file {path} is not a list of settings").format(path=path))
    settings = {str(k): str(v) for k, v in data.items() if k in KEYS and v is not None}
    _loaded = (path, stamp, settings)
    return dict(settings)


def check(key: str, value: str) -> str:
    """The value as it is kept, or a KoptrackError saying what is wrong with it."""
    if key not in KEYS:
        raise KoptrackError(
            _("there is no setting '{key}'").format(key=key),
            hint=_("settings: {keys}").format(keys=", ".join(KEYS)),
        )
    value = value.strip()
    if key == "language":
        code = i18n.code_of(value)
        if code is None:
            raise KoptrackError(
                _("language '{value}' is not one koptrack speaks").format(value=value),
                hint=_("choose id (Bahasa Indonesia) or en (English)"),
            )
        return code
    if key == "regency":
        from koptrack.domain import validate

        parsed = validate.parse_regency(value, "regency")
        return parsed or "all"
    if not value:
        raise KoptrackError(_("the database setting is empty"))
    return value


def save(key: str, value: str | None) -> Path:
    """Keep `key` = `value` in the config file (None: remove it); returns the file's path."""
    import yaml

    from koptrack.io import writers

    settings = load()
    if value is None:
        settings.pop(key, None)
    else:
        settings[key] = check(key, value)
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(settings, allow_unicode=True, sort_keys=True)
    with writers.staged(path, force=True) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Setting:
    key: str
    value: str | None
    source: str  # option, environment, config, locale, default

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "source": self.source}


in_force: Setting | None = None  # the language this run speaks (set as the command line is read)


def language(option: str | None = None) -> Setting:
    """The language in force and where it comes from. A wrong value in KOPTRACK_LANG or the
    file does not stop koptrack: the next source decides (the config command shows it)."""
    if option:
        code = i18n.code_of(option)
        if code:
            return Setting("language", code, "option")
    env = os.environ.get("KOPTRACK_LANG")
    if env and i18n.code_of(env):
        return Setting("language", i18n.code_of(env), "environment")
    try:
        kept = load().get("language")
    except KoptrackError:
        kept = None
    if kept and i18n.code_of(kept):
        return Setting("language", i18n.code_of(kept), "config")
    found = i18n.from_locale()
    if found:
        return Setting("language", found, "locale")
    return Setting("language", "en", "default")


def value_of(key: str, option: str | None = None) -> Setting:
    """A setting other than the language: the option, its environment variable, the file, or None."""
    env_name = KEYS[key][0]
    if option is not None:
        return Setting(key, option, "option")
    if os.environ.get(env_name):
        return Setting(key, os.environ[env_name], "environment")
    kept = load().get(key)
    if kept:
        return Setting(key, kept, "config")
    return Setting(key, None, "default")
