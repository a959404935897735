"""Issued PDFs signed (PAdES) with the issuing unit's key: the signature covers
the whole file and any PDF validator trusting our authority accepts it; one
changed byte breaks it; an imported certificate signs in place of the local
one; the authority is made once and its certificate is public."""
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from core.audit.models import AuditEntry
from core.documents import services, signing
from core.documents.models import Document, DocumentAuthentication, UnitSigningCertificate
from core.extensions import db
from tests.conftest import actor_for
from tests.helpers import count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.test_documents import prefixes, signed  # noqa: F401  (fixture)


def validate(pdf: bytes, root_der: bytes):
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    embedded = reader.embedded_signatures[0]
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(root_der)])
    # pyHanko validates with asyncio.run, which refuses to start while another loop runs in this
    # thread: the browser tests' Playwright keeps one running for the rest of the session.
    with ThreadPoolExecutor(1) as pool:
        status = pool.submit(validate_pdf_signature, embedded, context).result()
    return embedded, status


def test_an_issued_pdf_is_signed_over_the_whole_file_and_validates(city, prefixes):
    document = signed(personal_data=True)       # stored sealed on disk: signing comes before
    issued = services.issue(actor_for("desk"), document.id)
    pdf = services.pdf(actor_for("desk"), issued.id)
    ca_der = signing.ca_der()

    embedded, status = validate(pdf, ca_der)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    record = db.session.get(UnitSigningCertificate, city.centre.id)
    assert record.source == "local" and "护企优商服务中心" in record.subject
    assert status.signing_cert.sha256_fingerprint.replace(" ", "").lower() == record.fingerprint
    authentication = db.session.get(DocumentAuthentication, issued.id)
    assert authentication.signer_fingerprint == record.fingerprint and authentication.seal_sha256 is None
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "document.issue")).one()
    assert entry.detail["signed_by"] == record.subject and entry.detail["sha256"] == issued.pdf_sha256

    # One byte changed in the first content stream (covered by the signature's byte range).
    start = pdf.index(b"stream\n") + len(b"stream\n")
    contents = pdf.index(b"/Contents <")
    assert start < contents
    altered = bytearray(pdf)
    altered[start + 5] ^= 0x01
    try:
        _embedded, broken = validate(bytes(altered), ca_der)
    except Exception:           # a reader that no longer parses it refuses it just as well
        broken = None
    assert broken is None or not broken.intact

    # Not trusted by whoever does not trust our authority.
    stranger = _authority("Some other authority")[1].public_bytes(serialization.Encoding.DER)
    assert not validate(pdf, stranger)[1].trusted

    # The unit's signer is made once: a second document is signed with the same certificate.
    second = services.issue(actor_for("desk"), signed().id)
    assert db.session.get(DocumentAuthentication, second.id).signer_fingerprint == record.fingerprint
    assert count(UnitSigningCertificate) == 1


def _authority(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                                  critical=True)
                   .sign(key, hashes.SHA256()))
    return key, certificate


def _office_pkcs12(password: bytes) -> tuple[bytes, x509.Certificate, x509.Certificate]:
    """A PKCS#12 file as a provincial authority would issue it to the centre."""
    ca_key, ca = _authority("浙江省公安厅电子公文签名证书中心")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "护企优商服务中心"),
                                            x509.NameAttribute(NameOID.COMMON_NAME, "护企优商服务中心（省证书）")]))
                   .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=700))
                   .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                                  critical=True)
                   .sign(ca_key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"centre", key, certificate, [ca],
                                                 serialization.BestAvailableEncryption(password))
    return data, certificate, ca


def test_an_imported_certificate_signs_in_place_of_the_local_one(app, city, prefixes, tmp_path, monkeypatch):
    services.issue(actor_for("desk"), signed().id)              # the local certificate is made first
    local = db.session.get(UnitSigningCertificate, city.centre.id)
    local_file = signing.folder() / local.file_name
    assert local_file.exists()
    data, certificate, office_ca = _office_pkcs12(b"s3cret")
    p12 = tmp_path / "centre.p12"
    p12.write_bytes(data)
    runner = app.test_cli_runner()

    monkeypatch.setenv("ANQI_P12_PASSWORD", "wrong")
    refused = runner.invoke(args=["documents", "signing-import", "--unit", "HQ", str(p12)])
    assert refused.exit_code != 0
    db.session.rollback()
    assert db.session.get(UnitSigningCertificate, city.centre.id).source == "local"

    monkeypatch.setenv("ANQI_P12_PASSWORD", "s3cret")
    outcome = runner.invoke(args=["documents", "signing-import", "--unit", "HQ", str(p12)])
    assert outcome.exit_code == 0, outcome.output
    db.session.rollback()
    record = db.session.get(UnitSigningCertificate, city.centre.id)
    assert record.source == "imported" and record.fingerprint == signing.fingerprint(certificate)
    assert not local_file.exists()                              # the replaced key is gone
    stored = (signing.folder() / record.file_name).read_bytes()
    assert b"PRIVATE KEY" not in stored                          # sealed at rest
    assert count(AuditEntry, AuditEntry.action == "document.signing_certificate") == 2

    issued = services.issue(actor_for("desk"), signed().id)
    pdf = services.pdf(actor_for("desk"), issued.id)
    _embedded, status = validate(pdf, office_ca.public_bytes(serialization.Encoding.DER))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.signing_cert.sha256_fingerprint.replace(" ", "").lower() == record.fingerprint
    assert not validate(pdf, signing.ca_der())[1].trusted


def test_the_authority_is_made_once_and_its_certificate_is_public(app, city, client):
    assert client.get("/verify/ca.pem").status_code == 404        # not made yet
    runner = app.test_cli_runner()
    first = runner.invoke(args=["documents", "signing-ca"])
    assert first.exit_code == 0, first.output
    made = signing.ca_certificate()
    assert made.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "示范市公安局 公文签名根证书"
    assert made.not_valid_after_utc - made.not_valid_before_utc > dt.timedelta(days=365 * 20)
    second = runner.invoke(args=["documents", "signing-ca"])
    assert second.exit_code == 0 and signing.fingerprint(signing.ca_certificate()) == signing.fingerprint(made)
    key_file = (signing.folder() / signing.CA_KEY).read_bytes()
    assert b"PRIVATE KEY" not in key_file                         # sealed at rest

    pem = client.get("/verify/ca.pem")                           # no login
    assert pem.status_code == 200 and "no-store" not in pem.headers.get("Cache-Control", "")
    assert signing.fingerprint(x509.load_pem_x509_certificate(pem.data)) == signing.fingerprint(made)
    der = client.get("/verify/ca.cer")
    assert der.status_code == 200 and der.mimetype == "application/pkix-cert"
    assert signing.fingerprint(x509.load_der_x509_certificate(der.data)) == signing.fingerprint(made)
    page = client.get("/verify/NOSUCHCODE22")
    assert b"/verify/ca.cer" in page.data


def test_rotating_the_personal_data_key_reseals_the_signing_keys(app, city, prefixes):
    from core.privacy import files

    services.issue(actor_for("desk"), signed().id)
    record = db.session.get(UnitSigningCertificate, city.centre.id)
    unit_key, ca_key = signing.folder() / record.file_name, signing.folder() / signing.CA_KEY
    result = app.test_cli_runner().invoke(args=["privacy", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "files: document.signing-key: 2" in result.output
    assert files.version_of(unit_key.read_bytes()) == 2 and files.version_of(ca_key.read_bytes()) == 2
    signing._signers.clear()                  # as a new process: the key is opened again
    issued = services.issue(actor_for("desk"), signed().id)
    _embedded, status = validate(services.pdf(actor_for("desk"), issued.id), signing.ca_der())
    assert status.intact and status.valid and status.trusted
    assert count(Document, Document.status == "issued") == 2
