"""The build step setup.cfg cannot express: the translation catalogues (.po, the
source) are compiled to .mo when the package is built, so that `pip install .` on
a server gives the Chinese interface. Like `pybabel compile`, fuzzy entries
(unreviewed guesses) are left out."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithCatalogues(build_py):
    def run(self):
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in [*ROOT.glob("core/translations/*/LC_MESSAGES/messages.po"),
                   *ROOT.glob("plugins/*/translations/*/LC_MESSAGES/messages.po")]:
            with po.open("rb") as source:
                catalogue = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalogue, use_fuzzy=False)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
