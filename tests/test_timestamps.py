"""Reading an RFC 3161 token's message imprint (tracker.domain.timestamps), on DER built here: the imprint is
found inside the OCTET STRING that wraps the TSTInfo, matched against the data's hash, and malformed input is
refused with TimestampError rather than an exception of another kind. Real tokens made by openssl are tested in
test_proofs.py."""

from __future__ import annotations

import hashlib

import pytest

from tracker.domain.timestamps import TimestampError, check_imprint, message_imprints

SHA256 = bytes.fromhex("0609608648016503040201")
SHA1 = bytes.fromhex("06052b0e03021a")


def der(tag: int, content: bytes) -> bytes:
    n = len(content)
    length = (
        bytes([n])
        if n < 128
        else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
    )
    return bytes([tag]) + length + content


def token(digest: bytes, alg: bytes = SHA256, null: bool = True) -> bytes:
    imprint = der(0x30, der(0x30, alg + (b"\x05\x00" if null else b"")) + der(0x04, digest))
    tst_info = der(0x30, der(0x02, b"\x01") + der(0x06, b"\x2a\x03") + imprint + der(0x02, b"\x07"))
    content = der(0x30, der(0x06, b"\x2a\x86\x48") + der(0xA0, der(0x04, tst_info)))
    signed = der(0x30, der(0x02, b"\x03") + der(0x31, b"") + content + der(0x04, b"\xff\x00\x13 not DER"))
    return der(0x30, der(0x30, der(0x02, b"\x00")) + der(0x30, der(0x06, b"\x2a") + der(0xA0, signed)))


@pytest.mark.parametrize("null", [True, False])
def test_the_imprint_inside_the_signed_content_is_found(null: bool) -> None:
    data = b"news.example/forecasts\n5\nroot=\n"
    digest = hashlib.sha256(data).digest()
    t = token(digest, null=null)
    assert message_imprints(t) == [("sha256", digest)]
    assert check_imprint(t, data) == "sha256"
    with pytest.raises(TimestampError, match="made for other data"):
        check_imprint(t, data + b" ")


def test_an_unaccepted_hash_or_a_wrong_size_is_no_imprint() -> None:
    assert message_imprints(token(hashlib.sha1(b"x").digest(), SHA1)) == []
    assert message_imprints(token(b"\x00" * 31)) == []
    with pytest.raises(TimestampError, match="no message imprint"):
        check_imprint(token(hashlib.sha1(b"x").digest(), SHA1), b"x")


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x30",  # a tag with no length
        b"\x30\x05\x02\x01",  # longer than what holds it
        b"\x30\x80\x00\x00",  # indefinite length
        b"\x30\x85\x01\x00\x00\x00\x00",  # a five-byte length
        b"\x1f\x01\x00",  # a multi-byte tag
        b"\x30\x02" * 40,  # each header claims more than its holder has
    ],
)
def test_malformed_der_is_refused(bad: bytes) -> None:
    with pytest.raises(TimestampError):
        check_imprint(bad, b"x")


def test_deep_nesting_and_a_huge_file_are_refused() -> None:
    deep = b"\x00"
    for _ in range(40):
        deep = der(0x30, deep)
    with pytest.raises(TimestampError, match="nested too deeply"):
        message_imprints(deep)
    with pytest.raises(TimestampError, match="larger than"):
        message_imprints(b"\x30" * (64 * 1024 + 1))
