"""The plugin engine: hook specs, manifests, discovery, load order, per-unit enablement.

Plugins import only ``core.plugins.toolkit`` and core's services.
"""
