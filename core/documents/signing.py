"""Digital signatures on issued PDFs that any PDF reader checks (PAdES baseline B).

Every issued PDF is signed with its issuing unit's key (pyHanko, ``ETSI.CAdES.
detached``, SHA-256) after it is rendered and before it is stored; the SHA-256
kept with the document is that of the signed file. The QR code's verification
page stays the second way to check a paper copy.

Keys and certificates:

- A local certificate authority (``anqi documents signing-ca``, run by ``make
  run``; also made on first need): an RSA-3072 key and a self-signed
  certificate for 20 years, "<name of the top unit> 公文签名根证书". Its
  certificate is ``ca-certificate.pem`` in the signing folder and is public
  (``/verify/ca.pem``, ``/verify/ca.cer``): the receiving offices add it to
  their PDF reader's trusted certificates. Its key is sealed with the
  personal-data keys (core/privacy/files.py, purpose ``document.signing-key``).
- Per issuing unit, on its first issue, an RSA-2048 key and a certificate from
  that authority (O and CN the unit's name; key usage digitalSignature and
  nonRepudiation), sealed the same way. Or the operator imports the unit's
  certificate from a PKCS#12 file (``anqi documents signing-import``), which
  replaces the local one. ``unit_signing_certificate`` records per unit which
  certificate signs (subject, SHA-256 fingerprint, expiry, local or imported).

``anqi privacy rotate-key`` re-seals the key files like the other sealed files.
The signer of a unit is kept per process (``_signers``), so a batch signs
without reopening its key for every document.
"""
import datetime as dt
import io
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.documents.models import UnitSigningCertificate
from core.errors import ValidationError
from core.extensions import db
from core.org.models import Unit
from core.privacy import files
from core.privacy.fields import keyring

PURPOSE = "document.signing-key"
CA_CERTIFICATE = "ca-certificate.pem"
CA_KEY = "ca-key.pem.sealed"
CA_YEARS = 20
UNIT_YEARS = 10
MAX_PKCS12_BYTES = 64 * 1024
LOCAL, IMPORTED = "local", "imported"
SIGNATURE_FIELD = "AnqiSignature"


class SigningError(ValidationError):
    """The signing key or certificate cannot be used."""


def folder() -> Path:
    from core.config import storage_root

    return storage_root(current_app) / "document-signing"


def _now() -> dt.datetime:
    # Certificates are dated by the machine's real clock, not the application's (which
    # the tests and a demo may move): a PDF reader checks them against its own clock.
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


# --- the certificate authority ------------------------------------------------------

_ca_lock = threading.Lock()


def ca_certificate() -> x509.Certificate | None:
    """The local authority's certificate; None before it is made."""
    path = folder() / CA_CERTIFICATE
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError:
        return None


def ca_name() -> str:
    top = db.session.scalar(select(Unit.name).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
    return f"{top or 'anqi'} 公文签名根证书"


def ensure_ca() -> tuple[x509.Certificate, bool]:
    """The local authority's certificate, made now when there is none: (certificate, made).

    The sealed key file (the key and the certificate together) is the one that
    counts: it is put in place with a link that fails when the file exists, so
    two processes making the authority at once agree on the first one's; the
    public PEM beside it is written from it."""
    found = ca_certificate()
    if found is not None:
        return found, False
    with _ca_lock:
        if (folder() / CA_KEY).exists():
            return _publish(_ca_bundle()[1]), False
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name())])
        now = _now()
        certificate = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
        bundle = _pem(key) + certificate.public_bytes(serialization.Encoding.PEM)
        temporary = folder() / f".{CA_KEY}.{secrets.token_hex(6)}"
        files.write_atomically(temporary, files.seal(keyring(), PURPOSE, bundle))
        try:
            os.link(temporary, folder() / CA_KEY)
            made = True
        except FileExistsError:         # another process made it first: theirs it is
            made = False
        finally:
            temporary.unlink(missing_ok=True)
        return _publish(_ca_bundle()[1]), made


def _publish(certificate: x509.Certificate) -> x509.Certificate:
    files.write_atomically(folder() / CA_CERTIFICATE, certificate.public_bytes(serialization.Encoding.PEM))
    return certificate


def _ca_bundle():
    """The authority's key and certificate, from the sealed key file."""
    bundle = files.unseal(keyring(), PURPOSE, (folder() / CA_KEY).read_bytes())
    end = bundle.index(b"-----END PRIVATE KEY-----") + len(b"-----END PRIVATE KEY-----")
    return (serialization.load_pem_private_key(bundle[:end], password=None),
            x509.load_pem_x509_certificate(bundle[end:].strip()))


def ca_pem() -> bytes | None:
    path = folder() / CA_CERTIFICATE
    return path.read_bytes() if path.is_file() else None


def ca_der() -> bytes | None:
    found = ca_certificate()
    return found.public_bytes(serialization.Encoding.DER) if found is not None else None


# --- a unit's certificate --------------------------------------------------------------

def _store_bundle(key, certificate: x509.Certificate, chain: list[x509.Certificate]) -> str:
    name = f"unit-{secrets.token_hex(12)}.pem.sealed"
    bundle = _pem(key) + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [certificate, *chain])
    files.write_atomically(folder() / name, files.seal(keyring(), PURPOSE, bundle))
    return name


def _subject(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()[:300]


def _record(actor, unit, name, certificate, source) -> tuple[UnitSigningCertificate, str | None]:
    """Point the unit at a new key file, in the caller's transaction: the record and
    the name of the key file it replaced (removed once the change is committed)."""
    record = db.session.get(UnitSigningCertificate, unit.id)
    replaced = record.file_name if record is not None else None
    if record is None:
        record = UnitSigningCertificate(unit_id=unit.id)
        db.session.add(record)
    record.file_name, record.subject, record.fingerprint = name, _subject(certificate), fingerprint(certificate)
    record.not_after = certificate.not_valid_after_utc.replace(tzinfo=None)
    record.source, record.created_at = source, clock.now()
    audit.record(actor, "document.signing_certificate", unit,
                 detail={"subject": record.subject, "fingerprint": record.fingerprint, "source": source,
                         "not_after": record.not_after.isoformat()})
    return record, replaced


def _local_certificate(unit) -> tuple[str, x509.Certificate]:
    """A new key and certificate for ``unit`` from the local authority, stored sealed: (file name, certificate)."""
    ensure_ca()
    ca_key, ca = _ca_bundle()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = _now()
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit.name),
                      x509.NameAttribute(NameOID.COMMON_NAME, unit.name)])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(min(now + dt.timedelta(days=365 * UNIT_YEARS), ca.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))
    return _store_bundle(key, certificate, [ca]), certificate


def prepare(actor, unit) -> "Signer":
    """The unit's signer. On the unit's first issue (or when its local certificate
    has expired) its key and certificate are made first: the caller's transaction
    is committed (call this before changing anything), the keys are generated
    outside any transaction, and the record is committed in a short one of its
    own. Sign outside any transaction."""
    record = db.session.get(UnitSigningCertificate, unit.id)
    if record is not None and record.not_after > _now().replace(tzinfo=None):
        return signer_of(record)
    if record is not None and record.source == IMPORTED:
        raise SigningError(_l("The unit's imported signing certificate has expired; import its new one "
                              "(anqi documents signing-import)."))
    unit_id, known = unit.id, record.fingerprint if record is not None else None
    db.session.commit()
    name, certificate = _local_certificate(unit)
    try:
        record = db.session.get(UnitSigningCertificate, unit_id)
        if record is not None and record.fingerprint != known:     # made meanwhile by another process
            (folder() / name).unlink(missing_ok=True)
            db.session.commit()
            return signer_of(record)
        record, replaced = _record(actor, db.session.get(Unit, unit_id), name, certificate, LOCAL)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        (folder() / name).unlink(missing_ok=True)
        return signer_of(db.session.get(UnitSigningCertificate, unit_id))
    if replaced:
        (folder() / replaced).unlink(missing_ok=True)
    return signer_of(record)


def import_pkcs12(actor, unit, data: bytes, password: bytes | None) -> UnitSigningCertificate:
    """Replace the unit's signing key and certificate with those of a PKCS#12 file.
    ValidationError (nothing changed) when it does not open or cannot sign."""
    actor.require("system.manage")
    if not data or len(data) > MAX_PKCS12_BYTES:
        raise ValidationError(_l("The certificate file must be a PKCS#12 file (.p12, .pfx) of at most 64 KB."))
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password or None)
    except (ValueError, TypeError):
        raise ValidationError(_l("The certificate file does not open: it is not a PKCS#12 file, or the "
                                 "password is wrong.")) from None
    problems = []
    if key is None or certificate is None:
        problems.append(_l("The certificate file must hold the unit's private key and its certificate."))
    elif not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        problems.append(_l("The certificate's key must be an RSA or elliptic-curve key."))
    elif key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) \
            != certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo):
        problems.append(_l("The private key in the file does not belong to its certificate."))
    else:
        if certificate.not_valid_after_utc <= _now():
            problems.append(_l("The certificate has expired."))
        try:
            usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
            if not (usage.digital_signature or usage.content_commitment):
                problems.append(_l("The certificate is not meant for signatures (its key usage)."))
        except x509.ExtensionNotFound:
            pass
    if problems:
        raise ValidationError(problems[0], errors={"certificate": problems})
    name = _store_bundle(key, certificate, list(chain or []))
    try:
        record, replaced = _record(actor, unit, name, certificate, IMPORTED)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        (folder() / name).unlink(missing_ok=True)
        raise
    if replaced:
        (folder() / replaced).unlink(missing_ok=True)
    return record


# --- signing ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Signer:
    """A unit's signer, ready to sign outside any transaction."""

    subject: str
    fingerprint: str
    signer: object                 # pyhanko's SimpleSigner


_signers: "OrderedDict[str, object]" = OrderedDict()
_signers_lock = threading.Lock()


def signer_of(record: UnitSigningCertificate) -> Signer:
    """The pyHanko signer of a unit's certificate record, loaded once per process."""
    cache_key = f"{folder()}/{record.file_name}:{record.fingerprint}"
    with _signers_lock:
        found = _signers.get(cache_key)
        if found is not None:
            _signers.move_to_end(cache_key)
    if found is None:
        found = _load_signer(record.file_name)
        with _signers_lock:
            _signers[cache_key] = found
            while len(_signers) > 64:
                _signers.popitem(last=False)
    return Signer(record.subject, record.fingerprint, found)


def _load_signer(name: str):
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    try:
        bundle = files.unseal(keyring(), PURPOSE, (folder() / name).read_bytes())
    except (OSError, ValueError):
        raise SigningError(_l("The unit's signing key cannot be opened (missing or altered); restore it from "
                              "the backup or import the unit's certificate again.")) from None
    key_end = bundle.index(b"-----END PRIVATE KEY-----") + len(b"-----END PRIVATE KEY-----")
    key = load_private_key_from_pemder_data(bundle[:key_end], passphrase=None)
    certificates = list(load_certs_from_pemder_data(bundle[key_end:]))

    class KeptKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner loads the private key from DER at every
        signature, and OpenSSL checks an RSA key each time it loads one (about
        0.1 s for RSA-2048): a signature took longer than the layout. The key
        is loaded once here and kept; other mechanisms go to pyHanko's own."""

        loaded = serialization.load_der_private_key(key.dump(), password=None)

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from pyhanko.sign.general import get_pyca_cryptography_hash

            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)['algorithm'].native
            algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism in ("rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa") \
                    and isinstance(self.loaded, rsa.RSAPrivateKey):
                return self.loaded.sign(data, PKCS1v15(), algorithm)
            if mechanism.endswith("ecdsa") and isinstance(self.loaded, ec.EllipticCurvePrivateKey):
                return self.loaded.sign(data, ec.ECDSA(algorithm))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner(signing_cert=certificates[0], signing_key=key,
                         cert_registry=SimpleCertificateStore.from_certs(certificates[1:]))


def sign(signer: Signer, pdf: bytes) -> bytes:
    """``pdf`` with a PAdES signature of the whole file by ``signer`` (an incremental update)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign(signer, pdf)
    # pyHanko's sign_pdf starts an event loop of its own (asyncio.run), which cannot run inside
    # a caller's running loop (a caller driving a browser, an async server): sign in a thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_sign, signer, pdf).result()


def _sign(signer: Signer, pdf: bytes) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
    # Room for the signature given up front: pyHanko otherwise signs once more to measure it.
    certificates = [signer.signer.signing_cert, *signer.signer.cert_registry]
    reserved = 8192 + 2 * sum(len(c.dump()) for c in certificates)
    out = signers.sign_pdf(writer, metadata, signer=signer.signer, bytes_reserved=reserved)
    return out.getvalue()


def certificate_of(unit_id) -> UnitSigningCertificate | None:
    return db.session.get(UnitSigningCertificate, unit_id)


def _key_paths() -> list[Path]:
    base = folder()
    names = list(db.session.scalars(select(UnitSigningCertificate.file_name)))
    return [base / CA_KEY, *(base / name for name in names)]


files.register(files.SealedFiles("document.signing-key", PURPOSE, _key_paths))
