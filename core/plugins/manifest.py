"""Plugin manifests: ``__manifest__.py`` holds one literal dict, read without importing."""
import ast
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED = ("name", "title", "version", "summary")
ALLOWED = set(REQUIRED) | {"depends", "license"}


class PluginError(Exception):
    """A plugin cannot be loaded. The message names the plugin and the reason."""


@dataclass(frozen=True)
class Manifest:
    name: str
    title: dict          # {"zh": ..., "en": ...}
    version: str
    summary: dict        # {"zh": ..., "en": ...}
    module: str          # the importable module holding the hook implementations
    path: Path
    depends: tuple = ()
    license: str = ""
    source: str = field(default="package", compare=False)  # "package" or "entry point"

    def localized(self, key: str, language: str) -> str:
        value = getattr(self, key)
        if isinstance(value, dict):
            return value.get(language) or value.get("zh") or next(iter(value.values()), "")
        return value


def read_manifest(directory: Path, module: str, source: str = "package") -> Manifest:
    path = directory / "__manifest__.py"
    try:
        data = ast.literal_eval(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PluginError(f"plugin module {module!r}: no __manifest__.py in {directory}") from None
    except (ValueError, SyntaxError) as exc:
        raise PluginError(f"plugin module {module!r}: __manifest__.py is not a literal dict ({exc})") from None
    if not isinstance(data, dict):
        raise PluginError(f"plugin module {module!r}: __manifest__.py must hold a dict")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise PluginError(f"plugin {data.get('name', module)!r}: manifest lacks {', '.join(missing)}")
    unknown = sorted(set(data) - ALLOWED)
    if unknown:
        raise PluginError(f"plugin {data['name']!r}: unknown manifest keys {', '.join(unknown)}")
    for key in ("title", "summary"):
        if not isinstance(data[key], (dict, str)):
            raise PluginError(f"plugin {data['name']!r}: {key} must be a string or a dict of languages")
    depends = data.get("depends", [])
    if not isinstance(depends, (list, tuple)) or not all(isinstance(d, str) for d in depends):
        raise PluginError(f"plugin {data['name']!r}: depends must be a list of plugin names")
    return Manifest(
        name=data["name"], title=data["title"], version=str(data["version"]),
        summary=data["summary"], module=module, path=directory,
        depends=tuple(depends), license=data.get("license", ""), source=source,
    )
