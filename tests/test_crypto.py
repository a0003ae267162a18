"""The cipher under everything sealed: AES-GCM, associated data, key ids for rotation."""

from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.converter import DataConverter

from casework.codec import ENCODING, KEY_ID_METADATA, REFUSED_ENCODING, EncryptionCodec
from casework.crypto import data_converter
from services.crypto.cipher import (
    DecryptionError,
    KeyRing,
    format_key_ring,
    key_id_of,
    new_key,
    parse_key_ring,
    token_of_text,
)
from services.crypto.vault import Vault

AD = b"cases.document/case-1/claimant.phone"


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing(keys={"k1": new_key()}, current="k1")


def test_sealed_bytes_open_with_the_same_place(ring: KeyRing) -> None:
    token = ring.seal(b"13912345678", AD)

    assert b"13912345678" not in token
    assert ring.open(token, AD) == b"13912345678"


def test_sealing_twice_gives_different_ciphertexts(ring: KeyRing) -> None:
    assert ring.seal(b"13912345678", AD) != ring.seal(b"13912345678", AD)


@pytest.mark.parametrize("position", [0, 1, 5, 20, -1])
def test_an_altered_ciphertext_is_refused(ring: KeyRing, position: int) -> None:
    token = bytearray(ring.seal(b"11010519491231002X", AD))
    token[position] ^= 0x01

    with pytest.raises(DecryptionError):
        ring.open(bytes(token), AD)


def test_a_truncated_ciphertext_is_refused(ring: KeyRing) -> None:
    with pytest.raises(DecryptionError):
        ring.open(ring.seal(b"secret", AD)[:20], AD)


def test_a_ciphertext_moved_to_another_field_or_case_is_refused(ring: KeyRing) -> None:
    token = ring.seal(b"13912345678", AD)

    with pytest.raises(DecryptionError):
        ring.open(token, b"cases.document/case-1/claimant.address")
    with pytest.raises(DecryptionError):
        ring.open(token, b"cases.document/case-2/claimant.phone")


def test_another_key_cannot_open_it(ring: KeyRing) -> None:
    stranger = KeyRing(keys={"k1": new_key()}, current="k1")

    with pytest.raises(DecryptionError):
        stranger.open(ring.seal(b"secret", AD), AD)


def test_after_rotation_old_ciphertexts_open_and_new_ones_use_the_new_key() -> None:
    old_key, new = new_key(), new_key()
    before = KeyRing(keys={"2026-01": old_key}, current="2026-01")
    old_token = before.seal(b"old secret", AD)

    rotated = parse_key_ring(
        format_key_ring(KeyRing(keys={"2026-07": new, "2026-01": old_key}, current="2026-07"))
    )
    new_token = rotated.seal(b"new secret", AD)

    assert rotated.current == "2026-07"
    assert key_id_of(old_token) == "2026-01"
    assert key_id_of(new_token) == "2026-07"
    assert rotated.open(old_token, AD) == b"old secret"
    assert rotated.open(new_token, AD) == b"new secret"
    with pytest.raises(DecryptionError, match="no key '2026-07'"):
        before.open(new_token, AD)


def test_a_retired_key_no_longer_opens_what_it_sealed() -> None:
    old = KeyRing(keys={"a": new_key()}, current="a")
    token = old.seal(b"secret", AD)

    with pytest.raises(DecryptionError, match="no key 'a'"):
        KeyRing(keys={"b": new_key()}, current="b").open(token, AD)


def test_texts_round_trip_and_carry_no_plaintext(ring: KeyRing) -> None:
    sealed = ring.seal_text("北京市朝阳区", "cases.document/c/claimant.address")

    assert sealed.startswith("enc1:")
    assert "北京" not in sealed
    assert key_id_of(token_of_text(sealed)) == "k1"
    assert ring.open_text(sealed, "cases.document/c/claimant.address") == "北京市朝阳区"


@pytest.mark.parametrize(
    "text",
    ["", "k1", "k1:not base64!", "k1:" + "QUJD", "bad id!:" + "A" * 44],
)
def test_a_malformed_key_ring_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_key_ring(text)


def test_purpose_subkeys_differ_from_each_other_and_from_the_master(ring: KeyRing) -> None:
    vault = Vault(ring)
    token = vault.payloads.seal(b"x", AD)

    with pytest.raises(DecryptionError):
        vault.case_keys.open(token, AD)
    with pytest.raises(DecryptionError):
        ring.open(token, AD)
    assert vault.payloads.open(token, AD) == b"x"


async def test_the_codec_seals_payloads_and_names_the_key(ring: KeyRing) -> None:
    converter = data_converter(Vault(ring))
    [payload] = await converter.encode(["13912345678"])

    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID_METADATA] == b"k1"
    assert b"13912345678" not in payload.SerializeToString()
    assert await converter.decode([payload], [str]) == ["13912345678"]


async def test_the_codec_refuses_payloads_it_did_not_seal_unless_told_to_accept_them(
    ring: KeyRing,
) -> None:
    [plain] = await DataConverter.default.encode(["forged, or recorded before the codec"])

    [refused] = await EncryptionCodec(ring).decode([plain])
    [accepted] = await EncryptionCodec(ring, accept_unsealed=True).decode([plain])

    assert refused.metadata["encoding"] == REFUSED_ENCODING and not refused.data
    with pytest.raises(KeyError, match="Unknown payload encoding"):
        DataConverter.default.payload_converter.from_payloads([refused])
    assert accepted == plain


async def test_the_codec_refuses_an_altered_payload(ring: KeyRing) -> None:
    codec = EncryptionCodec(ring)
    [sealed] = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"x"')])
    altered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + b"\x00")

    with pytest.raises(DecryptionError):
        await codec.decode([altered])


async def test_failure_messages_are_sealed(ring: KeyRing) -> None:
    converter = data_converter(Vault(ring))
    failure = Failure()
    await converter.encode_failure(RuntimeError("phone 13912345678 is wrong"), failure)

    assert b"13912345678" not in failure.SerializeToString()
    decoded = await converter.decode_failure(failure)
    assert "13912345678" in str(decoded)
