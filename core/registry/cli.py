"""``anqi enterprises …``: the registry from the shell."""
import click


@click.group("enterprises")
def enterprises():
    """Import and export the enterprise registry."""
