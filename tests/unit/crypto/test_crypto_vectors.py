"""Every vector of pinpad_epp_and_crypto.md (published ones and the computed samples)."""

from __future__ import annotations

import pytest

from devices.crypto import (
    Algorithm,
    CryptoError,
    MacMethod,
    PinBlockFormat,
    decrypt_key_under,
    decrypt_pin_block,
    encrypt_key_under,
    encrypt_pin_block,
    iso0_pan_digits,
    kcv,
    mac,
    pin_block_clear,
    pin_from_block,
    verify_kcv,
    verify_mac,
    xor_components,
)

H = bytes.fromhex

TEST_TMK = H("0123456789ABCDEFFEDCBA9876543210")


def test_3des_kcv_of_the_standard_test_key_is_08d7b4():
    assert kcv(TEST_TMK, Algorithm.TDES) == H("08D7B4FB")
    assert kcv(TEST_TMK, Algorithm.TDES, 8) == H("08D7B4FB629D0885")
    assert kcv(TEST_TMK, Algorithm.TDES, 3) == H("08D7B4")


def test_sm4_kcv_matches_the_published_check_value():
    assert kcv(H("F351D490994603795C6EBEE8FAEBB481"), Algorithm.SM4) == H("861E83E31FAEBF10")


def test_verify_kcv_accepts_prefixes_and_rejects_other_keys():
    assert verify_kcv(TEST_TMK, H("08D7B4"), Algorithm.TDES)
    assert verify_kcv(TEST_TMK, H("08D7B4FB629D0885"), Algorithm.TDES)
    assert not verify_kcv(TEST_TMK, H("08D7B5"), Algorithm.TDES)
    assert not verify_kcv(TEST_TMK, H("08D7"), Algorithm.TDES)


@pytest.mark.parametrize(
    ("pin", "pan", "block"),
    [
        ("123456", "123456789012345678", "061253DFFEDCBA98"),
        ("1234", "5544332211009966", "041277CDDEEFF669"),
        ("123654", "6230606601007726888", "06125055FF88D977"),
        ("123456", "6230606601007726888", "06125257FF88D977"),
    ],
)
def test_iso0_clear_blocks_match_published_examples(pin, pan, block):
    assert pin_block_clear(pin, pan, PinBlockFormat.ISO0) == H(block)
    assert pin_from_block(H(block), pan, PinBlockFormat.ISO0) == pin


def test_iso0_pan_digits_drop_the_check_digit():
    assert iso0_pan_digits("6230606601007726888") == "660100772688"
    assert iso0_pan_digits("12345") == "000000001234"


def test_end_to_end_3des_sample_of_the_reference():
    pik = H("11111111111111112222222222222222")
    wrapped = encrypt_key_under(TEST_TMK, pik, Algorithm.TDES)
    assert wrapped == H("9B3A7B883A100F73B4ABA2BB791C50E7")
    assert decrypt_key_under(TEST_TMK, wrapped, Algorithm.TDES) == pik
    assert kcv(pik, Algorithm.TDES).hex().upper().startswith("D2B91CC5")
    block = encrypt_pin_block(pik, "123456", "6230606601007726888", PinBlockFormat.ISO0)
    assert block == H("6A09FA4E8439E25C")
    clear = decrypt_pin_block(pik, block, "6230606601007726888", PinBlockFormat.ISO0)
    assert pin_from_block(clear, "6230606601007726888", PinBlockFormat.ISO0) == "123456"


def test_sm4_working_key_unwraps_and_convention_a_reproduces_published_pin_block():
    tmk = H("1234567890ABCDEFABCDEF0987654321")
    wk = decrypt_key_under(tmk, H("3D66234C49E4296FF9C78D8BACBD6A76"), Algorithm.SM4)
    assert wk == H("F351D490994603795C6EBEE8FAEBB481")
    pan = "6230606601007726888"
    block = encrypt_pin_block(wk, "123654", pan, PinBlockFormat.SM4_ISO0_ZERO_PAD)
    assert block == H("E639B7346D93D4ECE1E991CDCC84936E")
    clear = decrypt_pin_block(wk, block, pan, PinBlockFormat.SM4_ISO0_ZERO_PAD)
    assert pin_from_block(clear, pan, PinBlockFormat.SM4_ISO0_ZERO_PAD) == "123654"


def test_sm4_convention_b_builds_the_documented_32_nibble_fields_and_differs_from_a():
    pan = "6230606601007726888"
    clear = pin_block_clear("123654", pan, PinBlockFormat.SM4_EXTENDED)
    expected = bytes(
        a ^ b for a, b in zip(H("06123654FFFFFFFFFFFFFFFFFFFFFFFF"),
                              H("00000000000000000000660100772688"), strict=True)
    )
    assert clear == expected
    assert pin_from_block(clear, pan, PinBlockFormat.SM4_EXTENDED) == "123654"
    wk = H("F351D490994603795C6EBEE8FAEBB481")
    assert encrypt_pin_block(wk, "123654", pan, PinBlockFormat.SM4_EXTENDED) != H(
        "E639B7346D93D4ECE1E991CDCC84936E")


def test_tak_unwraps_under_the_published_tmk():
    tak = decrypt_key_under(H("70F2A84CCBC2AE8625CBB0F2C22AB923"), H("96D605EA176B7E9E"),
                            Algorithm.TDES)
    assert tak == H("C24A8FB57AA20123")


def test_iso4_fields_and_deterministic_vector():
    assert pin_block_clear("1234567", "112233445566778899", PinBlockFormat.ISO4,
                           H("CAF92E156B7D4489")) == H("471234567AAAAAAACAF92E156B7D4489")
    key = H("00112233445566778899AABBCCDDEEFF")
    pan = "1234567890123456"
    block = encrypt_pin_block(key, "1234", pan, PinBlockFormat.ISO4, H("0123456789ABCDEF"))
    assert block == H("07195FF417DC6AD9F0DFAE3343A45D62")
    clear = decrypt_pin_block(key, block, pan, PinBlockFormat.ISO4)
    assert clear == H("441234AAAAAAAAAA0123456789ABCDEF")
    assert pin_from_block(clear, pan, PinBlockFormat.ISO4) == "1234"


def test_iso4_pan_field_matches_the_psec_example():
    from devices.crypto import _iso4_pan_field

    assert _iso4_pan_field("112233445566778899") == H("61122334455667788990000000000000")
    assert _iso4_pan_field("1234567890123456") == H("41234567890123456000000000000000")


PBOC_DATA = H(
    "4348454E48414F2D50437C424645424642464630303033303643337E39425030504432434E3730313633"
    "3636493030343337C32303234303131317C32303235303130317C383139317C30".replace("3337C", "337C")
)


def test_pboc_mac_matches_the_published_vector():
    assert len(PBOC_DATA) == 74
    key = H("5775204D69616F6A756E404726444311")
    assert mac(key, PBOC_DATA, MacMethod.PBOC_3DES) == H("4089819D3D991CC7")
    assert verify_mac(key, PBOC_DATA, H("4089819D"), MacMethod.PBOC_3DES)


def test_x99_and_unionpay_ecb_computed_samples():
    key = H("C24A8FB57AA20123")
    data = b"0200302004C020C0"
    assert mac(key, data, MacMethod.X9_9) == H("9B06CAF33AF1E192")
    assert mac(key, data, MacMethod.UNIONPAY_ECB) == b"A12720FC"


def test_sm4_cbc_mac_computed_sample():
    key = H("F351D490994603795C6EBEE8FAEBB481")
    assert mac(key, b"0200302004C020C0", MacMethod.SM4) == H("FB3E2A0F6147A85B1C43AB74A648044A")


def test_x919_of_one_block_is_one_3des_encryption_and_differs_from_x99_over_more():
    # ISO 9797-1 alg. 3: single DES over the chain, 3DES (EDE) only on the last block.
    key = H("5775204D69616F6A756E404726444311")
    from devices.crypto import encrypt_ecb

    assert mac(key, b"12345678", MacMethod.X9_19) == encrypt_ecb(key, b"12345678",
                                                                   Algorithm.TDES)
    data = b"x9.19 retail mac over three blocks..."
    assert mac(key, data, MacMethod.X9_19) != mac(key, data, MacMethod.X9_9)


def test_xor_components_combines_the_demo_tmk():
    key = xor_components(H("0123456789ABCDEFFEDCBA9876543210"),
                         H("11111111111111112222222222222222"))
    assert key == H("1032547698BADCFEDCFE98BA54761032")


def test_tampered_data_fails_mac_verification():
    key = H("5775204D69616F6A756E404726444311")
    good = mac(key, b"amount=100.00", MacMethod.X9_19)
    assert not verify_mac(key, b"amount=900.00", good, MacMethod.X9_19)
    assert not verify_mac(key, b"amount=100.00", good[:3], MacMethod.X9_19)


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4"])
def test_bad_pins_are_refused(pin):
    with pytest.raises(CryptoError):
        pin_block_clear(pin, "6230606601007726888", PinBlockFormat.ISO0)


def test_a_wrong_key_gives_no_valid_pin():
    block = encrypt_pin_block(H("11111111111111112222222222222222"), "123456",
                              "6230606601007726888", PinBlockFormat.ISO0)
    clear = decrypt_pin_block(H("11111111111111112222222222222223"[:30] + "44"), block,
                              "6230606601007726888", PinBlockFormat.ISO0)
    with pytest.raises(CryptoError):
        pin_from_block(clear, "6230606601007726888", PinBlockFormat.ISO0)
