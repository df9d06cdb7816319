"""Bounce bodies in their real charsets: read in the charset their part declares (as its
superset), with a fallback that never fails, through every transfer encoding."""
from __future__ import annotations

import base64
import quopri

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtplesson import read_bounce
from smtplesson.bounces.charsets import decode, decode_words

# (charset declared, codec the text is written in, the bounce's words for "mailbox full" and "user unknown")
CASES = [
    ("ISO-2022-JP", "iso2022_jp", "メールボックスが一杯です"),
    ("ISO-2022-JP", "iso2022_jp_ext", "ﾒｰﾙﾎﾞｯｸｽが一杯です"),  # half-width kana: beyond strict ISO-2022-JP
    ("Shift_JIS", "cp932", "宛先のユーザーは存在しません①"),  # ① is a Windows (CP932) extension
    ("GB2312", "gbk", "收件人邮箱已满，鎔"),  # 鎔 is GBK, not GB2312
    ("GBK", "gbk", "用户不存在"),
    ("Big5", "big5", "收件者信箱已滿"),
    ("KOI8-R", "koi8_r", "Почтовый ящик переполнен"),
    ("Windows-1251", "cp1251", "Пользователь не найден"),
    ("Windows-1252", "cp1252", "Postfach voll – Zustellung nicht möglich"),
    ("ISO-8859-1", "cp1252", "Boîte aux lettres pleine – “quota” dépassé"),  # 1252 quotes, Latin-1 label
    ("EUC-KR", "cp949", "수신자 메일함이 가득 찼습니다"),
]


def _bounce(words: str, charset: str, codec: str, encoding: str) -> bytes:
    body = f"Diese Nachricht konnte nicht zugestellt werden.\n\n<dan@example.net>: 552 {words}\n"
    raw = body.encode(codec)
    if encoding == "base64":
        payload = base64.encodebytes(raw)
    elif encoding == "quoted-printable":
        payload = quopri.encodestring(raw)
    else:
        payload = raw
    return (b"From: MAILER-DAEMON@mx.example.net\nTo: alice@example.com\n"
            b"Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
            + f"Content-Type: text/plain; charset=\"{charset}\"\nContent-Transfer-Encoding: {encoding}\n\n"
            .encode() + payload)


@pytest.mark.parametrize("encoding", ["8bit", "base64", "quoted-printable"])
@pytest.mark.parametrize(("charset", "codec", "words"), CASES)
def test_a_body_is_read_in_its_declared_charset(charset, codec, words, encoding):
    if codec.startswith("iso2022") and encoding == "8bit":
        encoding = "7bit"
    bounce = read_bounce(_bounce(words, charset, codec, encoding))
    (r,) = bounce.recipients
    assert (r.address, r.code) == ("dan@example.net", 552)
    assert r.diagnostic == f"552 {words}"


def test_a_missing_or_unknown_charset_falls_back_to_utf8_then_windows_1252():
    assert decode("Überfüllt".encode()) == "Überfüllt"
    assert decode("Überfüllt – voll".encode("cp1252")) == "Überfüllt – voll"
    assert decode("Überfüllt".encode("cp1252"), "x-unknown") == "Überfüllt"
    assert decode("Überfüllt".encode("cp1252"), "utf-8") == "Überfüllt"  # mislabelled as UTF-8
    assert decode("Überfüllt".encode(), "no-such-charset") == "Überfüllt"
    assert decode("宛先不明".encode("iso2022_jp")) == "宛先不明"  # undeclared ISO-2022-JP


def test_header_words_in_any_charset():
    assert decode_words("=?ISO-2022-JP?B?GyRCMDhAaElUTEAbKEI=?=") == "宛先不明"
    assert decode_words("=?gb2312?b?08O7p7K7tObU2g==?=") == "用户不存在"
    assert decode_words("=?x-unknown?q?Unzustellbar?= Re") == "Unzustellbar Re"
    assert decode_words("=?koi8-r?b?8M/e1M/X2co=?= box") == "Почтовый box"
    assert decode_words("=?broken") == "=?broken"
    raw_jis = "宛先不明".encode("iso2022_jp").decode("ascii")  # a raw ISO-2022-JP header, no encoded word
    assert decode_words(f"Re: {raw_jis}") == "Re: 宛先不明"
    bounce = read_bounce(f"From: postmaster@example.jp\nSubject: {raw_jis}\n\nx\n".encode("ascii"))
    assert bounce.subject == "宛先不明"
    bounce = read_bounce(b"From: postmaster@example.jp\nTo: alice@example.com\n"
                         b"Subject: =?ISO-2022-JP?B?GyRCMDhAaElUTEAbKEI=?=\n\nx\n")
    assert bounce.subject == "宛先不明"


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=300), charset=st.sampled_from(
    ["utf-8", "iso-2022-jp", "gb2312", "big5", "koi8-r", "x-unknown", "", "utf-7", "bogus\"", "utf-16"]))
def test_no_bytes_in_no_charset_make_the_reader_fail(body, charset):
    mail = (b"From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail\nMIME-Version: 1.0\n"
            + f"Content-Type: text/plain; charset={charset}\n\n".encode() + body)
    bounce = read_bounce(mail)
    assert bounce.kind in ("vendor", "not-a-bounce", "dsn")
    assert isinstance(decode(body, charset), str)
