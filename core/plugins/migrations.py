"""What ``anqi db upgrade`` tells about the plugins' migrations before it runs
them: Alembic reads each loaded plugin's ``migrations/`` folder itself
(core/database.py), and a revision anywhere else — the usual Alembic layout's
``migrations/versions/`` — is skipped without a word, leaving the plugin's
tables unmade until its first page fails."""
from pathlib import Path

from flask_babel import gettext as _


def problems(manifests, script, table_names) -> list[str]:
    """A sentence for each loaded plugin whose migrations Alembic will not find:
    revisions in a folder it does not read, a migrations folder without a
    revision, or tables of the plugin's name with no migrations at all.
    ``script`` is Alembic's ScriptDirectory, ``table_names`` the models' tables."""
    read = {Path(revision.path).parent.resolve() for revision in script.walk_revisions()}
    found = []
    for manifest in manifests:
        folder = manifest.path / "migrations"
        if folder.is_dir() and folder.resolve() in read:
            continue
        nested = [p for p in folder.glob("*/*.py") if p.name != "__init__.py"] if folder.is_dir() else []
        if nested:
            found.append(_("Plugin %(name)s keeps revisions in %(folder)s, which anqi does not read: move them "
                           "into %(migrations)s itself.", name=manifest.name,
                           folder=str(nested[0].parent), migrations=str(folder)))
        elif folder.is_dir():
            found.append(_("Plugin %(name)s has a migrations folder (%(folder)s) without a revision: its tables "
                           "will not be made.", name=manifest.name, folder=str(folder)))
        else:
            owned = sorted(t for t in table_names if t.startswith(manifest.name + "_"))
            if owned:
                found.append(_("Plugin %(name)s has tables (%(tables)s) but no migrations folder (%(folder)s): "
                               "they will not be made.", name=manifest.name, tables=", ".join(owned),
                               folder=str(folder)))
    return found
