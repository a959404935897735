"""The issuing units' seals: an upload is checked by its content (each refusal
says why and stores nothing), kept sealed on disk and audited; an issued
document carries the seal in red over its date, its top within one line under
the text (GB/T 9704-2012 7.3.5.1); a unit without a seal issues without one and
the document's page says so; the page is the administrator's."""
import io

import pdfplumber
import pypdfium2
import pytest
from PIL import Image

from core.audit.models import AuditEntry
from core.documents import seals, services
from core.documents.models import DocumentAuthentication, UnitSeal
from core.errors import ValidationError
from core.extensions import db
from core.privacy import files
from tests.conftest import actor_for, login
from tests.helpers import count, en
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.test_documents import BODY, prefixes, signed  # noqa: F401  (fixture)

LINE_PT = 10.227 / 25.4 * 72        # the body's line pitch (document.css)
SCALE = 3                           # 216 dpi


def png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def blue_opaque_wide() -> bytes:
    image = Image.new("RGB", (400, 250), (255, 255, 255))
    image.paste((20, 40, 200), (100, 50, 300, 200))
    return png(image)


def recoloured(png_bytes: bytes, colour) -> bytes:
    image = Image.open(io.BytesIO(png_bytes)).convert("RGBA")
    alpha = image.getchannel("A")
    solid = Image.new("RGBA", image.size, colour + (255,))
    solid.putalpha(alpha)
    return png(solid)


@pytest.fixture(scope="module")
def sample():
    return seals.sample("护企优商服务中心")


def refusal(data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        seals.upload(actor_for("admin"), _centre_id(), io.BytesIO(data))
    db.session.rollback()
    return [en(m) for m in caught.value.errors[seals.FIELD]]


def _centre_id():
    from core.org.services import user_by_username

    return user_by_username("desk").unit_id


def test_each_refusal_says_why_and_stores_nothing(city, sample):
    opaque = Image.open(io.BytesIO(sample)).convert("RGBA")
    white = Image.new("RGBA", opaque.size, (255, 255, 255, 255))
    white.alpha_composite(opaque)

    assert refusal(b"GIF89a" + b"\0" * 100) == ["The seal image must be a PNG file (with a transparent background)."]
    assert "larger than 2 MB" in refusal(b"\x89PNG\r\n\x1a\n" + b"\0" * seals.MAX_BYTES)[0]
    assert refusal(png(white.convert("RGB")))[0].startswith("The seal image needs a transparent background")
    assert refusal(recoloured(sample, (20, 40, 200)))[0].startswith("A seal's ink must be red")
    assert "between 200 and 4000 pixels" in refusal(png(Image.new("RGBA", (60, 60))))[0]
    all_at_once = refusal(blue_opaque_wide())
    assert len(all_at_once) == 3
    assert [m.split(" ")[:2] for m in all_at_once] == [["A", "seal"], ["The", "seal"], ["A", "seal's"]]
    assert count(UnitSeal) == 0 and count(AuditEntry, AuditEntry.action.like("document.seal%")) == 0
    assert not seals.folder().exists() or not any(seals.folder().iterdir())


def test_a_seal_is_stored_sealed_audited_replaced_and_removed(city, sample):
    admin = actor_for("admin")
    seal = seals.upload(admin, city.centre.id, io.BytesIO(sample))
    stored = seals.folder() / seal.file_name
    on_disk = stored.read_bytes()
    assert not on_disk.startswith(b"\x89PNG") and files.is_sealed(on_disk)
    assert seals.image(admin, city.centre.id) == sample       # the sample is stored as drawn (already small)
    upload, = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "document.seal_upload"))
    assert upload.detail == {"sha256": seal.sha256, "width": 500, "height": 500}

    bigger = Image.open(io.BytesIO(sample)).resize((900, 900))
    replaced = seals.upload(admin, city.centre.id, io.BytesIO(png(bigger)))
    assert (replaced.width, replaced.height) == (500, 500)    # stored no larger than it is printed
    assert not stored.exists() and (seals.folder() / replaced.file_name).exists()
    assert count(AuditEntry, AuditEntry.action == "document.seal_replace") == 1

    seals.remove(admin, city.centre.id)
    assert count(UnitSeal) == 0 and not any(seals.folder().iterdir())
    assert count(AuditEntry, AuditEntry.action == "document.seal_remove") == 1


def _red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 170 and g < 120 and b < 120


def _geometry(pdf: bytes):
    """On the last page: the signature's date line (x0, top, x1, bottom in pt), the
    lowest ink of the body's last line, and the red pixels as a set of (x, y) in pt."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[-1]
        lines = page.extract_text_lines()
        date = next(line for line in lines if line["text"] == "2026年11月20日")
        last = next(line for line in lines if line["text"].endswith(BODY[-1][1][-6:]))
    source = pypdfium2.PdfDocument(pdf)
    rendered = source[len(source) - 1].render(scale=SCALE).to_pil().convert("RGB")
    source.close()
    width, height = rendered.size
    pixels = rendered.load()
    red = {(x / SCALE, y / SCALE) for y in range(0, height, 2) for x in range(0, width, 2) if _red(pixels[x, y])}
    ink = [y for y in range(int(last["top"] * SCALE), int(last["bottom"] * SCALE) + 1)
           for x in range(int(last["x0"] * SCALE), int(last["x1"] * SCALE), 2) if sum(pixels[x, y]) < 200]
    return date, max(ink) / SCALE, red


def test_an_issued_document_carries_the_seal_over_its_date(app, city, prefixes, sample, client):
    seal = seals.upload(actor_for("admin"), city.centre.id, io.BytesIO(sample))
    document = signed()
    assert services.letter(document, draft=True, seal=sample).seal is None     # a draft's preview: never
    login(client, "desk")
    client.post("/lang", data={"lang": "en"})
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "The unit&#39;s seal will be pressed on the document when it is issued" in page

    issued = services.issue(actor_for("desk"), document.id)
    date, last_bottom, red = _geometry(services.pdf(actor_for("desk"), issued.id))
    on_date = [(x, y) for x, y in red if date["x0"] <= x <= date["x1"] and date["top"] <= y <= date["bottom"]]
    assert len(on_date) > 20                                   # red ink over the 成文日期
    around = [(x, y) for x, y in red if date["x0"] - 60 <= x <= date["x1"] + 60 and last_bottom - 20 <= y <= date["top"]]
    seal_top = min(y for _x, y in around)
    assert last_bottom < seal_top <= last_bottom + LINE_PT     # within one line under the text, not on it
    seal_bottom = max(y for x, y in red if date["x0"] - 60 <= x <= date["x1"] + 60 and y < date["bottom"] + 40)
    centre = (seal_top + seal_bottom) / 2
    assert centre < date["top"]                                # the name and the date in the seal's lower half
    assert 110 < seal_bottom - seal_top < 125                  # about 42 mm (119 pt)

    authentication = db.session.get(DocumentAuthentication, issued.id)
    assert authentication.seal_sha256 == seal.sha256
    used, = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "document.seal"))
    assert used.detail == {"seal": seal.sha256} and used.object_id == str(issued.id)
    page = client.get(f"/documents/{issued.id}").get_data(as_text=True)
    assert "Issued with the unit&#39;s seal" in page


def test_a_unit_without_a_seal_issues_without_one_and_says_so(app, city, prefixes, client):
    document = signed()
    login(client, "desk")
    client.post("/lang", data={"lang": "en"})
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "This unit has not uploaded its seal yet: the document will be issued without a seal" in page

    issued = services.issue(actor_for("desk"), document.id)
    date, _last, red = _geometry(services.pdf(actor_for("desk"), issued.id))
    assert not [p for p in red if date["top"] - 60 <= p[1] <= date["bottom"] + 10]
    assert db.session.get(DocumentAuthentication, issued.id).seal_sha256 is None
    assert count(AuditEntry, AuditEntry.action == "document.seal") == 0
    page = client.get(f"/documents/{issued.id}").get_data(as_text=True)
    assert "Issued without a seal (the unit had none)" in page


def test_the_seals_page_is_the_administrators(app, city, prefixes, sample):
    desk = app.test_client()
    login(desk, "desk")
    assert desk.get("/admin/documents/seals/").status_code == 403
    assert desk.post(f"/admin/documents/seals/{city.centre.id}",
                     data={"seal": (io.BytesIO(sample), "seal.png")}).status_code == 403
    assert count(UnitSeal) == 0

    admin = app.test_client()
    login(admin, "admin")
    admin.post("/lang", data={"lang": "en"})
    page = admin.get("/admin/documents/seals/").get_data(as_text=True)
    assert "护企优商服务中心" in page and "甲派出所" in page and "/verify/ca.cer" in page
    assert "/admin/documents/seals/" in admin.get("/admin/units").get_data(as_text=True)   # in the menu

    refused = admin.post(f"/admin/documents/seals/{city.centre.id}",
                         data={"seal": (io.BytesIO(blue_opaque_wide()), "seal.png")})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert text.count("<li>") >= 3 and "transparent background" in text and "must be red" in text
    assert count(UnitSeal) == 0

    done = admin.post(f"/admin/documents/seals/{city.centre.id}", data={"seal": (io.BytesIO(sample), "seal.png")},
                      follow_redirects=True)
    assert done.status_code == 200 and "The seal of 护企优商服务中心 is saved" in done.get_data(as_text=True)
    image = admin.get(f"/admin/documents/seals/{city.centre.id}/seal.png")
    assert image.status_code == 200 and image.data == sample and "no-store" in image.headers["Cache-Control"]
    assert desk.get(f"/admin/documents/seals/{city.centre.id}/seal.png").status_code == 403

    removed = admin.post(f"/admin/documents/seals/{city.centre.id}/remove", follow_redirects=True)
    assert "The seal is removed" in removed.get_data(as_text=True) and count(UnitSeal) == 0
