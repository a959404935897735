"""``anqi documents …``: official documents from the shell."""
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.cli_help import group, option

SPECIMEN_DATE = date(2026, 1, 9)

# A 风险提示书 of the 两书一单 mechanism (seed 004, measure 11): long enough for
# two pages in either layout, with every heading level, an attachment, 抄送 and 印发.
SPECIMEN_BODY = (
    ("p", ("我局在开展常态化企业摸排和风险评估工作中，发现你公司在资金管理、合同履约等方面存在风险隐患。"
           "现将有关情况提示如下，请高度重视，及时整改。")),
    ("h1", "发现的主要风险"),
    ("h2", "资金管理方面"),
    ("h3", "对外担保和资金往来审批不够规范。"),
    ("p", "部分大额资金往来未经集体研究，财务、出纳岗位未严格分离，存在资金被挪用、侵占的风险。"),
    ("h4", "个别业务人员以个人账户收取货款，未及时入账。"),
    ("h4", "应收账款台账更新不及时，逾期款项催收不力。"),
    ("h3", "有员工转发高息理财信息，易引发非法集资风险。"),
    ("h2", "合同履约方面"),
    ("p", ("你公司近期与多家外地企业签订采购合同，对交易对象的主体资格、履约能力审查不严，"
           "存在被合同诈骗的风险。")),
    ("h1", "整改建议"),
    ("p", ("完善资金审批、财务复核和印章管理制度，关键岗位定期轮岗；签订重大合同前核实对方信息，"
           "组织法务审查，发现违法犯罪线索及时报案。")),
    ("h1", "有关要求"),
    ("p", "请于三十日内将整改情况书面反馈我局经济犯罪侦查大队。"),
)


def specimen_letter(layout: str, *, draft: bool = False, upward: bool = False):
    """The specimen's plain values (also used by the tests and the benchmark),
    with a generated seal marked 样章 (a draft carries none, as a draft's preview).
    ``upward``: a 上行文 (a report to the city's Party committee and government,
    with 签发人)."""
    from core.documents import seals
    from core.documents.rendering import Letter

    from core.public_address import base_url

    base = base_url(current_app.config)
    return Letter(
        layout=layout,
        authority="诸暨市公安局文件" if layout == "file" else "诸暨市公安局",
        number="诸公经〔2026〕1号" if layout == "file" else "诸公经函〔2026〕1号",
        title="关于浙江华达科技有限公司经营风险情况的报告" if upward else "关于浙江华达科技有限公司经营风险的提示书",
        addressees=("中共诸暨市委", "诸暨市人民政府") if upward else ("浙江华达科技有限公司",),
        body=SPECIMEN_BODY,
        attachments=("企业风险自查清单", "助企联络官联系方式"),
        issuer="诸暨市公安局",
        date=SPECIMEN_DATE,
        copies=("诸暨市人民政府办公室", "诸暨市市场监督管理局"),
        printer="诸暨市公安局经济犯罪侦查大队",
        print_date=SPECIMEN_DATE,
        verification=("SPECIMEN2026", f"{base}/verify/SPECIMEN2026"),
        draft=draft,
        upward=upward,
        signer="王建国" if upward else "",
        seal=None if draft else seals.sample("诸暨市公安局"),
    )


@group("documents", help=_l("Official documents: PDF layouts and fonts, batch issue."))
def documents():
    pass


@documents.command("specimen", help=_l(
    "Render a two-page specimen of a layout to check this machine's fonts and layout."))
@option("--layout", type=click.Choice(["file", "letter"]), required=True,
        help=_l("文件格式 (file) or 信函格式 (letter)."))
@option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
        help=_l("Where to write the PDF."))
@option("--draft", is_flag=True, help=_l("Watermark the pages 草稿, as a draft's preview is."))
@option("--upward", is_flag=True,
        help=_l("A document going up (上行文): the number flush left and 签发人 beside it (file layout)."))
@with_appcontext
def specimen_command(layout, out, draft, upward):
    from core.documents.rendering import RenderingError, render

    try:
        content = render(specimen_letter(layout, draft=draft, upward=upward))
    except RenderingError as exc:
        raise click.ClickException(str(exc)) from None
    out.write_bytes(content)
    click.echo(_("Wrote %(path)s (%(size)d KB).", path=str(out), size=max(1, len(content) // 1024)))
    _echo_fonts()


@documents.command("check-numbers", help=_l(
    "List the documents that share a number (numbered before numbers were counted per "
    "issuing mark) and what to do with each; exit code 1 while any is left to deal with."))
@option("--renumber", is_flag=True,
        help=_l("Give each document that shares its number and is not issued yet the next free number."))
@with_appcontext
def check_numbers_command(renumber):
    from core.documents import numbering
    from core.org.actor import shell_actor

    if renumber:
        for document, former in numbering.renumber_duplicates(shell_actor()):
            click.echo(_("#%(id)d: renumbered from %(former)s to %(number)s.", id=document.id, former=former,
                         number=document.number))
    groups = numbering.duplicate_groups()
    for group in groups:
        click.echo("")
        click.echo(_("%(number)s is printed on %(n)d documents:", number=group.number, n=1 + len(group.sharers)))
        click.echo("  " + _describe(group.keeper))
        click.echo("    " + _("keeps the number."))
        for sharer in group.sharers:
            click.echo("  " + _describe(sharer.document))
            click.echo("    " + _advice(sharer))
    left = sum(not group.resolved for group in groups)
    if not left:
        click.echo(_("No two documents share a number, except those already corrected.") if groups
                   else _("No two documents share a number."))
        return
    click.echo("")
    click.secho(_("Numbers still printed on more than one document: %(n)d.", n=left), fg="yellow", err=True)
    raise SystemExit(1)


def _describe(document) -> str:
    """One document of a shared number, for the operator: id, type, status, title, issuer, issue date."""
    from core.documents.services import STATUS_NAMES
    from core.tickets.deadlines import local_date

    issued = local_date(document.issued_at).isoformat() if document.issued_at else "-"
    return (f"#{document.id}  {document.doc_type}  {STATUS_NAMES.get(document.status, document.status)}  "
            f"《{document.title}》  {document.unit.name}  {issued}")


def _advice(sharer) -> str:
    """What to do with a document that shares the number another keeps."""
    from core.documents import numbering

    if sharer.action == numbering.RENUMBER:
        return _("numbered, not issued yet: `anqi documents check-numbers --renumber` gives it the next free "
                 "number.")
    if sharer.action == numbering.CORRECTED:
        return _("corrected by #%(id)d (%(number)s).", id=sharer.correction.id, number=sharer.correction.number)
    return _("issued, so it keeps its number (an issued document never changes): on its page, “Start a "
             "correction”, then issue the correction, which gets a number of its own, and deliver it to the "
             "addressees.")


@documents.command("render-batch", help=_l(
    "Issue signed-off documents as one batch, here, with a progress bar (the pages queue the "
    "same batch for the workers); failures are listed with their reasons."))
@option("--user", "username", required=True, help=_l("Who issues them (needs the right to issue)."))
@option("--ids", required=True, help=_l("The signed-off documents' ids, e.g. 12,13,20-40."))
@option("--zip", "zip_path", type=click.Path(dir_okay=False, path_type=Path),
        help=_l("Also write the issued PDFs into this ZIP file."))
@with_appcontext
def render_batch_command(username, ids, zip_path):
    from sqlalchemy import select

    from core.documents import batches
    from core.documents.models import DocumentBatchItem
    from core.errors import AnqiError
    from core.extensions import db
    from core.org.actor import Actor
    from core.org.models import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(_("There is no active user %(name)s.", name=username))
    try:
        wanted = _id_list(ids)
        batch = batches.create(Actor(user, address="shell"), wanted, enqueue=False)
    except (ValueError, AnqiError) as exc:
        raise click.ClickException(str(getattr(exc, "message", exc))) from None
    with click.progressbar(length=batch.total, label=_("Issuing")) as bar:
        result = batches.run(batch.id, on_item=lambda _item: bar.update(1))
    click.echo(_("Batch %(id)d: %(issued)d issued, %(failed)d failed.", id=batch.id, issued=result.issued,
                 failed=result.failed))
    for item in db.session.scalars(select(DocumentBatchItem).where(DocumentBatchItem.batch_id == batch.id,
                                                                   DocumentBatchItem.status == "failed")):
        click.echo(f"  #{item.document_id}: {item.error}", err=True)
    if zip_path:
        zip_path.write_bytes(batches.zip_of(Actor(user, address="shell"), batch.id))
        click.echo(_("Wrote %(path)s.", path=str(zip_path)))
    if result.failed:
        raise SystemExit(1)


def _id_list(text: str) -> list[int]:
    """``12,13,20-40`` → [12, 13, 20, …, 40]."""
    found = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        first, _sep, last = (p.strip() for p in part.partition("-"))
        last = last or first
        if not (first.isascii() and first.isdigit() and last.isascii() and last.isdigit()):
            raise ValueError(_("“%(part)s” is not an id or a range of ids.", part=part))
        start, end = int(first), int(last)
        if end < start or end - start > 10_000:
            raise ValueError(_("“%(part)s” is not an id or a range of ids.", part=part))
        found.extend(range(start, end + 1))
    return found


@documents.command("fonts", help=_l(
    "Say which face each part of a document is set in: the standard's face or a stand-in, "
    "installed on the system or from the instance's fonts folder."))
@with_appcontext
def fonts_command():
    if not _echo_fonts():
        raise SystemExit(1)


def _echo_fonts() -> bool:
    """Print every role's face and the fonts folder's files left unused; False when
    a role has no face (documents cannot be rendered)."""
    from core.documents import fonts

    rows, skipped = fonts.report()
    click.echo(_("Fonts of the official documents (fonts folder: %(folder)s):", folder=str(fonts.folder())))
    for row in rows:
        if row.problem:
            click.echo(f"  {row.problem}", err=True)
            continue
        source = _("fonts folder, %(file)s", file=row.file) if row.source == "folder" else _("system")
        kind = _("standard face") if row.standard else _("stand-in for %(face)s", face=row.standard_face)
        click.echo(f"  {row.label}: {row.family} · {source} · {kind}")
    for name, reason in skipped:
        click.echo("  " + _("Not used: %(file)s (%(reason)s)", file=name, reason=reason), err=True)
    return not any(row.problem for row in rows)


@documents.command("signing-ca", help=_l(
    "Create the local certificate authority that certifies the units' signing keys, once "
    "(run again, it only shows the certificate it has)."))
@with_appcontext
def signing_ca_command():
    from core.documents import signing

    certificate, made = signing.ensure_ca()
    path = signing.folder() / signing.CA_CERTIFICATE
    if made:
        click.echo(_("Created the signing certificate authority %(subject)s.",
                     subject=certificate.subject.rfc4514_string()))
    else:
        click.echo(_("The signing certificate authority exists: %(subject)s.",
                     subject=certificate.subject.rfc4514_string()))
    click.echo(_("Certificate: %(path)s (SHA-256 %(fingerprint)s); give it to the receiving offices, or let them "
                 "download it from /verify/ca.pem.", path=str(path), fingerprint=signing.fingerprint(certificate)))


@documents.command("signing-import", help=_l(
    "Sign the unit's documents from now on with the key and certificate of a PKCS#12 file "
    "(.p12/.pfx), replacing its local certificate. The file's password is read from "
    "ANQI_P12_PASSWORD, or asked for."))
@option("--unit", "unit_code", required=True, help=_l("The issuing unit's code."))
@click.argument("p12_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def signing_import_command(unit_code, p12_file):
    import os

    from sqlalchemy import select

    from core.documents import signing
    from core.errors import AnqiError
    from core.extensions import db
    from core.org.actor import shell_actor
    from core.org.models import Unit

    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code.strip().upper()))
    if unit is None:
        raise click.ClickException(_("There is no unit with the code %(code)s.", code=unit_code))
    data = p12_file.read_bytes()[:signing.MAX_PKCS12_BYTES + 1]
    password = os.environ.get("ANQI_P12_PASSWORD")
    if password is None:
        password = click.prompt(_("Password of the certificate file"), hide_input=True, default="",
                                show_default=False)
    try:
        record = signing.import_pkcs12(shell_actor(), unit, data, password.encode("utf-8") if password else None)
    except AnqiError as exc:
        problems = (getattr(exc, "errors", None) or {}).get("certificate")
        raise click.ClickException("\n".join(str(p) for p in problems) if problems else str(exc.message)) from None
    click.echo(_("%(unit)s now signs with %(subject)s (SHA-256 %(fingerprint)s, valid until %(until)s).",
                 unit=unit.name, subject=record.subject, fingerprint=record.fingerprint,
                 until=record.not_after.date().isoformat()))
