"""Discovery, dependency order and hook calls.

Plugins come from the ``plugins`` package (one folder each) and from the
``anqi.plugins`` entry-point group, so a third party can ``pip install`` one.
Manifests are read as literals before anything is imported; the load order is
a topological sort of ``depends``; a missing dependency or a cycle is an error
that names the plugin, never a silent skip.
"""
import functools
import importlib
import importlib.metadata
import importlib.util
from pathlib import Path

import pluggy

from core.i18n import plugin_speaking
from core.plugins import spec
from core.plugins.manifest import Manifest, PluginError, read_manifest


def discover_package(package: str) -> list[Manifest]:
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        return []
    manifests = []
    for location in found.submodule_search_locations:
        for child in sorted(Path(location).iterdir()):
            if (child / "__manifest__.py").is_file() and (child / "__init__.py").is_file():
                manifests.append(read_manifest(child, f"{package}.{child.name}"))
    return manifests


def discover_entry_points(group: str, entry_points=None) -> list[Manifest]:
    eps = entry_points(group) if entry_points else importlib.metadata.entry_points(group=group)
    manifests = []
    for ep in eps:
        module = ep.value.split(":")[0]
        found = importlib.util.find_spec(module)
        if found is None or not found.submodule_search_locations:
            raise PluginError(f"plugin entry point {ep.name!r}: {module!r} is not an importable package")
        manifest = read_manifest(Path(found.submodule_search_locations[0]), module, source="entry point")
        if manifest.name != ep.name:
            raise PluginError(f"plugin entry point {ep.name!r}: its manifest names it {manifest.name!r}")
        manifests.append(manifest)
    return manifests


def load_order(manifests: list[Manifest]) -> list[Manifest]:
    """Dependencies first; among equals, alphabetical, so the order is stable."""
    by_name: dict[str, Manifest] = {}
    for m in manifests:
        if m.name in by_name:
            raise PluginError(f"plugin {m.name!r} is installed twice ({by_name[m.name].module} and {m.module})")
        by_name[m.name] = m
    for m in manifests:
        for dep in m.depends:
            if dep not in by_name:
                raise PluginError(f"plugin {m.name!r} depends on {dep!r}, which is not installed")
    order: list[Manifest] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = trail[trail.index(name):] + [name]
            raise PluginError(f"plugin {name!r} is in a dependency cycle: {' → '.join(cycle)}")
        state[name] = "visiting"
        for dep in sorted(by_name[name].depends):
            visit(dep, trail + [name])
        state[name] = "done"
        order.append(by_name[name])

    for name in sorted(by_name):
        visit(name, [])
    return order


def _speaking_as(name: str, function):
    @functools.wraps(function)
    def call(*args, **kwargs):
        with plugin_speaking(name):
            return function(*args, **kwargs)

    return call


class PluginManager:
    """The plugins loaded into one application, in dependency order."""

    def __init__(self):
        self.pm = pluggy.PluginManager("anqi")
        self.pm.add_hookspecs(spec)
        self.manifests: dict[str, Manifest] = {}
        self.modules: dict[str, object] = {}

    def load(self, manifests: list[Manifest]) -> None:
        for manifest in load_order(manifests):
            try:
                module = importlib.import_module(manifest.module)
            except ImportError as exc:
                raise PluginError(f"plugin {manifest.name!r} cannot be imported: {exc}") from exc
            self.pm.register(module, name=manifest.name)
            self._speak_in_hooks(module, manifest.name)
            self.manifests[manifest.name] = manifest
            self.modules[manifest.name] = module
        self.pm.check_pending()

    def _speak_in_hooks(self, module, name: str) -> None:
        """Each of the plugin's hook implementations translates with its own
        catalogue in front (panels, widgets and labels it renders; core.i18n)."""
        for caller in self.pm.get_hookcallers(module) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is module:
                    impl.function = _speaking_as(name, impl.function)

    def __contains__(self, name: str) -> bool:
        return name in self.manifests

    def dependents(self, name: str) -> list[str]:
        """Plugins that name ``name`` among their direct dependencies."""
        return [m.name for m in self.manifests.values() if name in m.depends]

    def call_all(self, hook: str, **kwargs) -> list:
        """Call a hook on every loaded plugin (set-up hooks and events)."""
        return getattr(self.pm.hook, hook)(**kwargs)

    def call_enabled(self, hook: str, enabled: frozenset[str], **kwargs) -> list:
        """Call a hook on the plugins in ``enabled`` only (the per-unit hooks)."""
        left_out = [mod for name, mod in self.modules.items() if name not in enabled]
        if not left_out:
            return self.call_all(hook, **kwargs)
        return self.pm.subset_hook_caller(hook, remove_plugins=left_out)(**kwargs)
