"""The knowledge base's staff pages (/knowledge/…). Thin: the rules are in
core.knowledge.services; the portal's pages are in core.portal.views."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from core import public_address

from core.errors import Conflict, ValidationError
from core.extensions import db
from core.forms import apply_errors
from core.knowledge import services
from core.knowledge.forms import ArticleForm
from core.tickets import services as tickets
from core.web import current_actor, permission_required

bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")


@bp.app_template_filter("article_links")
def article_links(text) -> Markup:
    """``text`` escaped, with every knowledge-base article's portal address in it
    (as the desk inserts it into an answer) made a link to that article on this
    portal, whatever host the address names. Nothing else becomes markup."""
    text, out, start = str(text or ""), [], 0
    for match in services.LINK.finditer(text):
        out.append(escape(text[start:match.start()]))
        href = url_for("portal.knowledge_article", article_id=int(match.group(1)))
        out.append(Markup('<a href="{}" data-testid="article-link">{}</a>').format(href, match.group(0)))
        start = match.end()
    out.append(escape(text[start:]))
    return Markup("").join(out)


@bp.app_context_processor
def _references():
    return {"knowledge_reference":
            lambda article: services.reference(article, public_address.base_url(current_app.config))}


@bp.route("/")
@permission_required("knowledge.read")
def index():
    actor = current_actor()
    query = (request.args.get("q") or "")[:services.MAX_QUERY]
    kind = request.args.get("kind") if request.args.get("kind") in services.KINDS else ""
    category = (request.args.get("category") or "")[:64]
    return render_template("knowledge/index.html", articles=services.listing(actor, query, kind, category),
                           query=query, kind=kind, category=category, kinds=services.KINDS,
                           categories=tickets.categories(actor), category_label=tickets.category_label,
                           may_write=actor.can("knowledge.write"))


@bp.route("/<int:article_id>")
@permission_required("knowledge.read")
def detail(article_id):
    actor = current_actor()
    article = services.get(actor, article_id)
    return render_template("knowledge/detail.html", article=article, kinds=services.KINDS,
                           category=tickets.category_label(article.category) if article.category else "",
                           may_edit=services.may_edit(actor, article))


def _form(article_id=None):
    actor = current_actor()
    article = services._editable(actor, article_id, "knowledge.update") if article_id else None
    form = ArticleForm(obj=None if request.method == "POST" else article)
    form.set_choices(tickets.categories(actor), services.units(actor), article)
    if request.method == "GET":
        form.unit_id.data = str(article.unit_id if article else actor.unit_id)
        form.version.data = str(article.version) if article else ""
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        data = services.ArticleInput(title=form.title.data or "", kind=form.kind.data or "",
                                     category=form.category.data or "", unit_id=form.unit_id.data,
                                     body=form.body.data or "")
        try:
            saved = services.save(actor, data, article_id, form.version.data)
        except Conflict as exc:
            db.session.rollback()
            article = services.get(actor, article_id)
            form.version.data = str(article.version)     # saving again applies these entries over theirs
            form.form_errors.append(str(exc.message))
            return render_template("knowledge/form.html", form=form, article=article, conflict=article), 409
        except ValidationError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(_("The article “%(title)s” has been saved.", title=saved.title), "success")
            return redirect(url_for(".detail", article_id=saved.id), code=303)
    if request.method == "POST":
        status = 400
    return render_template("knowledge/form.html", form=form, article=article), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("knowledge.write")
def new():
    return _form()


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@permission_required("knowledge.write")
def edit(article_id):
    return _form(article_id)


@bp.route("/<int:article_id>/publish", methods=["POST"])
@permission_required("knowledge.write")
def publish(article_id):
    publish = request.form.get("publish") == "1"
    article = services.publish(current_actor(), article_id, publish)
    flash(_("The article is now public on the portal.") if publish else
          _("The article has been withdrawn from the portal."), "success")
    return redirect(url_for(".detail", article_id=article.id), code=303)
