from kiosk.masking import mask_id_number, mask_name, mask_pan, mask_phone


def test_names_keep_first_and_last_character():
    assert mask_name("张卫国") == "张*国"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳建华") == "欧**华"
    assert mask_name("刘䶮") == "刘*"
    assert mask_name("") == ""


def test_numbers_keep_head_and_tail():
    assert mask_id_number("61042519680315301X") == "610425********301X"
    assert mask_pan("6217 9910 0000 1234 561") == "621799*********4561"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("61042519680315301X", head=1, tail=1) == "6" + "*" * 16 + "X"
