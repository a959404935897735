"""The ``anqi`` command's help in the configured language (BABEL_DEFAULT_LOCALE).

Help texts are Babel lazy strings (``_l``) that click turns into text only when it
prints a help page; the classes here print it inside the application context, where
the locale is the configured default (core.i18n.select_locale), and with a plugin's
catalogue in front for the commands the plugin added (core.plugins.loader marks them).
click says its own words (Usage, Options, [default: ...]) through the standard gettext
module, which follows the LANGUAGE variable rather than the application: the
formatter and the option class here say them through Babel instead.
"""
import copy
import re
import unicodedata
from contextlib import ExitStack

import click
from flask import has_app_context
from flask.cli import FlaskGroup, ScriptInfo
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError

from core.i18n import plugin_speaking

HEADINGS = {"Options": _l("Options:"), "Commands": _l("Commands:"), "Arguments": _l("Arguments:")}
HELP_OPTION = _l("Show this message and exit.")

# Flask's own options of the top-level command, described in our words so that they translate.
FLASK_OPTIONS = {
    "env_file": _l("Load environment variables from this file (python-dotenv must be installed); "
                   "they take precedence over .env and .flaskenv, variables set in the environment over both."),
    "app": _l("The Flask application or factory to load, as 'module:name'; anqi needs none."),
    "debug": _l("Set debug mode."),
    "version": _l("Show the versions of Python, Flask and Werkzeug."),
}


# Other packages' commands, described in our words in the command list.
OTHER_PACKAGES = {
    "db": _l("Database schema migrations (Flask-Migrate)."),
    "limiter": _l("Rate limiter maintenance (Flask-Limiter)."),
    "routes": _l("Show the routes of the application."),
    "shell": _l("Run a Python shell in the application context."),
}


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


_TOKENS = re.compile(r"\s+|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")
_NO_LINE_START = set("，。、；：！？）」』》〉】")


def wrap(text: str, width: int, indent: str = "", subsequent_indent: str = "") -> str:
    """Wrap by display width: a Chinese character takes two columns and a line may break between
    two of them; full-width closing punctuation never starts a line (the character before it moves
    down with it). Paragraphs (blank lines) are kept. Written here because click's and the standard
    library's textwrap count characters, not terminal columns, and know no line between two Chinese
    characters; a few lines do not justify a dependency for a help page."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines, line = [], []
        prefix = indent
        for token in _TOKENS.findall(" ".join(paragraph.split())):
            if token.isspace():
                if line:
                    line.append(" ")
                continue
            if line and display_width(prefix + "".join(line) + token) > width:
                split = len(line)
                if token in _NO_LINE_START:     # the character before it goes down with it
                    split -= 1
                    while split > 0 and line[split] in _NO_LINE_START:
                        split -= 1
                if split > 0:
                    lines.append(prefix + "".join(line[:split]).rstrip())
                    prefix, line = subsequent_indent, [t for t in line[split:] if not t.isspace()]
            line.append(token)
        lines.append(prefix + "".join(line).rstrip())
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def short_help(text: str, limit: int) -> str:
    """The first sentence of the first paragraph, shortened to ``limit`` columns (click's rule,
    which knows only the English full stop and counts a Chinese character as one column)."""
    text = " ".join(text.partition("\n\n")[0].split())
    if "。" in text:
        text = text[:text.index("。") + 1]
    else:
        words = text.split()
        for i, word in enumerate(words):
            if word.endswith(".") and (i == len(words) - 1 or not words[i + 1][0].islower()):
                text = " ".join(words[:i + 1])
                break
    if display_width(text) <= limit:
        return text
    cut = ""
    for char in text:
        if display_width(cut) + display_width(char) > limit - 3:
            break
        cut += char
    following = text[len(cut)]
    if " " in cut and display_width(following) == 1 and not following.isspace() and display_width(cut[-1]) == 1:
        cut = cut.rsplit(" ", 1)[0]        # not in the middle of an English word
    return cut.rstrip() + "..."


class HelpFormatter(click.HelpFormatter):
    def write_usage(self, prog, args="", prefix=None):
        super().write_usage(prog, args, _("Usage:") + " " if prefix is None else prefix)

    def write_heading(self, heading):
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading + ':')}\n")

    def write_text(self, text):
        indent = " " * self.current_indent
        self.write(wrap(text, self.width, indent, indent) + "\n")

    def write_dl(self, rows, col_max=30, col_spacing=2):
        rows = [(str(first), str(second)) for first, second in rows]
        first_col = min(max((display_width(first) for first, _second in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first_col - 2, 10)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(second, text_width).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")


class Context(click.Context):
    formatter_class = HelpFormatter


class Option(click.Option):
    """click.Option keeping a lazy help text lazy (click's own turns it into text at import)."""

    def __init__(self, *args, help=None, **kwargs):
        super().__init__(*args, help=help, **kwargs)
        self.help = help

    def get_help_record(self, ctx):
        if self.hidden:
            return None
        extra = self.get_help_extra(ctx)
        items = []
        if "envvars" in extra:
            items.append(_("environment variable: %(names)s", names=", ".join(extra["envvars"])))
        if "default" in extra:
            items.append(_("default: %(value)s", value=extra["default"]))
        if "range" in extra:
            items.append(extra["range"])
        if "required" in extra:
            items.append(_("required"))
        text = str(self.help or "")
        if items:
            text = f"{text}  [{'; '.join(items)}]" if text else f"[{'; '.join(items)}]"
        return self.get_help_spec(ctx), text


def _application(ctx: click.Context, stack: ExitStack) -> None:
    """Enter the application context the texts are translated in, unless one is active."""
    info = ctx.find_object(ScriptInfo)
    if has_app_context() or info is None:
        return
    try:
        app = info.load_app()
    except Exception:   # noqa: BLE001 - the command list reports it; the help is printed in English
        return
    stack.enter_context(app.app_context())


class _Translated:
    context_class = Context
    anqi_plugin: str | None = None      # the plugin that added the command (core.plugins.loader)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def format_help(self, ctx, formatter):
        with ExitStack() as stack:
            _application(ctx, stack)
            stack.enter_context(plugin_speaking(self.anqi_plugin))
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit=45):
        with plugin_speaking(self.anqi_plugin):
            return short_help(str(self.short_help or self.help or ""), limit)


class Command(_Translated, click.Command):
    pass


class Group(_Translated, click.Group):
    command_class = Command
    group_class = type        # sub-groups are Groups too


class AnqiGroup(_Translated, FlaskGroup):
    """The top-level ``anqi`` command: Flask's group, loading the application before it prints its help."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Copies: Flask's options are module objects shared by every FlaskGroup.
        self.params = [relabelled(param, FLASK_OPTIONS[param.name]) if param.name in FLASK_OPTIONS else param
                       for param in self.params]

    def get_command(self, ctx, name):
        command_ = super().get_command(ctx, name)
        if name in OTHER_PACKAGES and command_ is not None and not isinstance(command_, _Translated):
            command_ = relabelled(command_, OTHER_PACKAGES[name])
        return command_

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            if ctx.invoked_subcommand == "db" or not missing_table(exc):
                raise          # the migrations' own failure is theirs to tell
            app = ctx.ensure_object(ScriptInfo).load_app()
            with app.app_context():
                message = _("The database has no table %(table)s yet: run `anqi db upgrade` first.",
                            table=missing_table(exc))
            click.secho(message, fg="red", err=True)
            ctx.exit(1)


def missing_table(exc: DBAPIError) -> str | None:
    """The table a statement found missing (a database not yet migrated), or None."""
    text = str(exc.orig)
    for pattern in (r"no such table: (\w+)", r'relation "(\w+)" does not exist'):
        found = re.search(pattern, text)
        if found:
            return found.group(1)
    return None


def relabelled(thing, help_text):
    """A copy of another package's option with our help text, or of its command with our line in
    the command list (the command's own page stays as the package prints it)."""
    copied = copy.copy(thing)
    if isinstance(copied, click.Command):
        copied.short_help = help_text
    else:
        copied.help = help_text
    return copied


def command(name=None, **attrs):
    return click.command(name, cls=Command, **attrs)


def group(name=None, **attrs):
    return click.group(name, cls=Group, **attrs)


def option(*param_decls, **attrs):
    return click.option(*param_decls, cls=Option, **attrs)


def password_option(*param_decls, **attrs):
    return click.password_option(*param_decls, cls=Option, **attrs)
