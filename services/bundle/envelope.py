"""Encrypting a bundle to one authority's certificate as CMS EnvelopedData (RFC 5652), streamed.

``cryptography`` builds EnvelopedData (``PKCS7EnvelopeBuilder``) only from one ``bytes`` object
and returns another: a 1 GB bundle would hold about 2 GB at once. So the same construction is
written here as a stream, the way ``openssl cms -encrypt -stream`` writes it: the outer
structures with indefinite lengths (BER), and the encrypted content as a constructed OCTET
STRING of fixed-size pieces. The cryptography is ``cryptography``'s: a fresh AES-256-CBC key
and IV from the OS, PKCS#7 padding, and the key wrapped with the certificate's RSA key
(PKCS#1 v1.5, what the builder and every S/MIME reader use). The fixed-length parts (recipient,
algorithm, object identifiers) are encoded by ``asn1crypto``. Memory holds one piece
(:data:`PIECE` bytes) whatever the bundle's size.

What comes out opens with ``openssl cms -decrypt -inform DER -in FILE.p7m -inkey KEY.pem``
(and mail clients or HSMs that read S/MIME), giving back the signed BagIt zip byte for byte.
"""

from __future__ import annotations

import hashlib
import os
from typing import BinaryIO

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding

#: bytes of ciphertext per OCTET STRING piece (OpenSSL's own streaming uses 4 KiB; larger
#: pieces mean fewer headers and calls for the same flat memory)
PIECE = 64 * 1024
KEY_BYTES = 32  #: AES-256
MEDIA_TYPE = "application/pkcs7-mime"
SUFFIX = ".p7m"

_INDEFINITE_SEQUENCE = b"\x30\x80"
_INDEFINITE_EXPLICIT_0 = b"\xa0\x80"  #: [0], constructed, length to an end-of-contents
_END_OF_CONTENTS = b"\x00\x00"


def _octet_string_header(length: int) -> bytes:
    """DER tag and length of a primitive OCTET STRING of ``length`` bytes (X.690 8.1.3)."""
    if length < 0x80:
        return bytes((0x04, length))
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0x04, 0x80 | len(size))) + size


def _recipient(certificate: x509.Certificate, content_key: bytes) -> bytes:
    """RecipientInfos with one KeyTransRecipientInfo: the content key wrapped for the holder of
    ``certificate``'s private key, who is named by issuer and serial number (version 0)."""
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("only RSA certificates can receive an encrypted bundle")
    wrapped = public_key.encrypt(content_key, PKCS1v15())
    parsed = asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
    info = cms.KeyTransRecipientInfo(
        {
            "version": "v0",
            "rid": cms.RecipientIdentifier(
                name="issuer_and_serial_number",
                value=cms.IssuerAndSerialNumber(
                    {"issuer": parsed.issuer, "serial_number": parsed.serial_number}
                ),
            ),
            "key_encryption_algorithm": cms.KeyEncryptionAlgorithm({"algorithm": "rsaes_pkcs1v15"}),
            "encrypted_key": wrapped,
        }
    )
    encoded: bytes = cms.RecipientInfos([cms.RecipientInfo(name="ktri", value=info)]).dump()
    return encoded


class EnvelopedWriter:
    """A write-only stream: what is written to it comes out of ``out`` encrypted to
    ``certificate`` as CMS EnvelopedData. :meth:`close` writes the last piece and the
    end-of-contents markers; until then ``out`` holds no complete message.

    ``sha256`` and ``size`` describe what was written to ``out`` (the ``.p7m``), so the file
    can be stored under its hash without reading it again. There is no ``seek``, so a zip
    written through it streams its entries (data descriptors)."""

    def __init__(self, out: BinaryIO, certificate: x509.Certificate) -> None:
        self._out = out
        self._hash = hashlib.sha256()
        self.size = 0
        self._plain = 0
        self._closed = False
        key, iv = os.urandom(KEY_BYTES), os.urandom(16)
        self._padder = padding.PKCS7(algorithms.AES.block_size).padder()
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        self._pending = bytearray()  #: ciphertext not yet written as a piece (< PIECE)
        algorithm = cms.EncryptionAlgorithm({"algorithm": "aes256_cbc", "parameters": iv})
        self._emit(
            _INDEFINITE_SEQUENCE  # ContentInfo
            + cms.ContentType("enveloped_data").dump()
            + _INDEFINITE_EXPLICIT_0  # [0] EXPLICIT content
            + _INDEFINITE_SEQUENCE  # EnvelopedData
            + core.Integer(0).dump()  # version 0: only ktri v0, no originator, no attributes
            + _recipient(certificate, key)
            + _INDEFINITE_SEQUENCE  # EncryptedContentInfo
            + cms.ContentType("data").dump()
            + algorithm.dump()
            + _INDEFINITE_EXPLICIT_0  # [0] IMPLICIT OCTET STRING, constructed
        )
        del key

    def _emit(self, data: bytes | bytearray | memoryview) -> None:
        self._out.write(data)
        self._hash.update(data)
        self.size += len(data)

    def _encrypted(self, ciphertext: bytes) -> None:
        self._pending += ciphertext
        while len(self._pending) >= PIECE:
            piece = memoryview(self._pending)[:PIECE]
            self._emit(_octet_string_header(PIECE))
            self._emit(piece)
            piece.release()
            del self._pending[:PIECE]

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a closed envelope")
        self._encrypted(self._cipher.update(self._padder.update(bytes(data))))
        self._plain += len(data)
        return len(data)

    def tell(self) -> int:
        """Bytes of content written so far (zipfile asks to place its records)."""
        return self._plain

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        """Pad, encrypt the last block and end every open structure; ``out`` stays open."""
        if self._closed:
            return
        self._closed = True
        self._encrypted(self._cipher.update(self._padder.finalize()) + self._cipher.finalize())
        if self._pending:
            self._emit(_octet_string_header(len(self._pending)))
            self._emit(self._pending)
            self._pending.clear()
        # the encrypted content, EncryptedContentInfo, EnvelopedData, [0], ContentInfo
        self._emit(_END_OF_CONTENTS * 5)
        self._out.flush()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
