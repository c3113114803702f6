"""Property-based tests of the anonymizer: generated personal data (mainland mobiles, e-mail
addresses, Luhn-valid bank cards, resident IDs with their check character), written the ways
``services.anonymize.text`` says it reads them, planted at random places in random
Chinese/English/full-width text, never survives ``redact``, and everything around it is kept
exactly; any text at all redacts without an error and redacts to itself a second time; damaged
and random files given to the file cleaners come out cleaned or refused with a
:class:`~services.errors.DomainError`, never with another exception.

Reproducible: see :mod:`tests.support.fuzz`.
"""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image
from stdnum import luhn
from stdnum.cn import ric

from services.anonymize import image as image_module
from services.anonymize import pdf as pdf_module
from services.anonymize.plaintext import decode_text
from services.anonymize.sniff import FileKind, detect
from services.anonymize.table import anonymize_table, read_table, suggest_actions
from services.anonymize.text import PLACEHOLDERS, PiiKind, find_pii, redact
from services.errors import DomainError
from tests.support.fuzz import fuzz

# -- personal data, as the detectors document it ------------------------------------------------

PROVINCES = ("11", "31", "32", "33", "36", "44", "50", "51", "65", "81")
SEPARATORS = (" ", "-")


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """A mainland mobile number as (written form, digits): "13800138000", "138 0013 8000",
    "138-0013-8000", "+86 138 0013 8000", "+8613800138000", or in full-width digits."""
    digits = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    style = draw(st.sampled_from(["plain", "grouped", "plus86", "plus86_grouped", "fullwidth"]))
    sep = draw(st.sampled_from(SEPARATORS))
    grouped = sep.join((digits[:3], digits[3:7], digits[7:]))
    written = {
        "plain": digits,
        "grouped": grouped,
        "plus86": "+86" + digits,
        "plus86_grouped": "+86 " + grouped,
        "fullwidth": _fullwidth(digits),
    }[style]
    return written, digits


@st.composite
def emails(draw: st.DrawFn) -> tuple[str, str]:
    local = draw(st.from_regex(r"[a-z0-9][a-z0-9._+\-]{0,14}[a-z0-9]", fullmatch=True))
    domain = draw(st.from_regex(r"[a-z0-9]{1,10}(\-[a-z0-9]{1,6})?", fullmatch=True))
    tld = draw(st.sampled_from(["com", "cn", "org", "com.cn", "net", "io"]))
    address = f"{local}@{domain}.{tld}"
    spaced = draw(st.booleans())
    return (address.replace("@", " @ ") if spaced else address), address


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, str]:
    """A Luhn-valid card: UnionPay 62 (16 or 19 digits), Visa 4 or Mastercard 5 (16), plain or
    in groups of four."""
    prefix = draw(st.sampled_from(["62", "4", "51", "55"]))
    length = draw(st.sampled_from([16, 19])) if prefix == "62" else 16
    body = prefix + draw(
        st.text("0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    digits = body + luhn.calc_check_digit(body)
    style = draw(st.sampled_from(["plain", "grouped"]))
    sep = draw(st.sampled_from(SEPARATORS))
    written = (
        digits if style == "plain" else sep.join(digits[i : i + 4] for i in range(0, length, 4))
    )
    return written, digits


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, str]:
    """An 18-character resident ID with a real province, birth date and MOD 11-2 check
    character, plain or grouped 6-8-4 as printed on statements."""
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2015, 12, 31)))
    body = (
        draw(st.sampled_from(PROVINCES))
        + draw(st.text("0123456789", min_size=4, max_size=4))
        + born.strftime("%Y%m%d")
        + draw(st.text("0123456789", min_size=3, max_size=3))
    )
    # stdnum's calc_check_digit ignores the last character it is given (the check itself);
    # its is_valid would also want a county from its own list, which the detector does not
    number = body + ric.calc_check_digit(body + "?")
    grouped = draw(st.booleans())
    written = f"{number[:6]} {number[6:14]} {number[14:]}" if grouped else number
    lower_x = draw(st.booleans()) and number.endswith("X")
    return (written.lower() if lower_x else written), number


PII = {
    PiiKind.PHONE: mobiles(),
    PiiKind.EMAIL: emails(),
    PiiKind.CARD: cards(),
    PiiKind.ID: resident_ids(),
}


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# -- surrounding text that holds no personal data -----------------------------------------------

WORDS = (
    "我的",
    "钱包",
    "余额",
    "被冻结",
    "客服",
    "不回复",
    "投诉",
    "退款",
    "请",
    "联系",
    "谢谢",
    "账单",
    "昨天",
    "扣款",
    "錢包",
    "凍結",
    "wallet",
    "frozen",
    "refund",
    "please",
    "my",
    "support",
    "never",
    "answered",
    "balance",
    "ＷＡＬＬＥＴ",
    "ｐｌｅａｓｅ",
)
PUNCTUATION = (
    "，",
    "。",
    "：",
    "！",
    "？",
    "、",
    "；",
    "（",
    "）",
    "“",
    "”",
    ",",
    ".",
    "!",
    "?",
    "(",
    ")",
    "\n",
    "\t",
    "　",
    "…",
    "—",
)
#: what may stand right beside a value: anything that is not a letter or a digit
BOUNDARIES = (" ", "，", "。", "：", ":", "\n", "（", "）", "　", "、", "—", "；", "\t", "！")

fillers = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(PUNCTUATION), st.just(" ")), max_size=12
).map("".join)


@st.composite
def planted(draw: st.DrawFn) -> tuple[str, str, list[tuple[PiiKind, str, str]]]:
    """(text, the text with placeholders where the values are, the values planted)."""
    pieces, expected, values = [draw(fillers)], [], []
    expected.append(pieces[0])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(list(PII)))
        written, canonical = draw(PII[kind])
        before, after = draw(st.sampled_from(BOUNDARIES)), draw(st.sampled_from(BOUNDARIES))
        tail = draw(fillers)
        if not (pieces[-1] + before).strip() and len(pieces) > 1:
            # digit groups one or two spaces apart are one chain by design ("138 0013 8000"):
            # two values need more than spaces between them to be told apart
            pieces[-1] = expected[-1] = pieces[-1] + "，"
        pieces += [before, written, after, tail]
        expected += [before, PLACEHOLDERS[kind], after, tail]
        values.append((kind, written, canonical))
    return "".join(pieces), "".join(expected), values


@fuzz(300)
@given(planted())
@example(("", "", []))
@example(("—00@0.com ", "—[EMAIL] ", []))  # the em dash was folded into the address
@example(("联系我——chen@163.com。", "联系我——[EMAIL]。", []))
@example((" 13000000000 wallet—00@0.com ", " [PHONE] wallet—[EMAIL] ", []))
@example(("手机 138 0013 8000，卡号 6222 0213 8001 3800", "手机 [PHONE]，卡号 [CARD]", []))
def test_planted_personal_data_is_replaced_and_nothing_else_changes(
    case: tuple[str, str, list[tuple[PiiKind, str, str]]],
) -> None:
    text, expected, values = case
    result = redact(text)
    assert result.text == expected
    for _kind, written, canonical in values:
        assert written not in result.text
        assert canonical not in result.text
        assert canonical.lower() not in result.text
    assert sum(result.counts.values()) >= len(values)


@fuzz(150)
@given(planted(), st.sampled_from(["陈晓梅", "Daniel Brooks", "张 伟"]))
def test_the_contributors_name_goes_too(
    case: tuple[str, str, list[tuple[PiiKind, str, str]]], name: str
) -> None:
    text, expected, _values = case
    result = redact(f"{text}，我叫{name}。{text}", [name])
    assert result.text == f"{expected}，我叫[REDACTED]。{expected}"


# -- any text ----------------------------------------------------------------------------------

#: characters the patterns care about, so random text often comes near a finding
NEAR_PII = st.sampled_from(
    [
        *"0123456789０１２３４５６７８９ -+@._xX()（）：:#",
        *("手机", "卡号", "身份证", "订单号", "微信", "wxid_", "支付宝", "Alipay (", "WeChat: "),
        *("[PHONE]", "+86 ", "2088", "62", "138", "GB82", "客服电话", "order no "),
    ]
)
any_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(NEAR_PII, st.text(max_size=3)), max_size=60).map("".join),
)


@fuzz(600)
@given(any_text)
@example("\u0130" * 3 + "13800138000")  # folds to two characters each
@example("ﬀ13800138000ﬀ")
@example("[phone]13800138000[PHONE]")
def test_any_text_redacts_without_error_and_a_second_pass_changes_nothing(text: str) -> None:
    findings = find_pii(text)
    position = 0
    for finding in findings:
        assert position <= finding.start < finding.end <= len(text)
        position = finding.end
    result = redact(text)
    assert redact(result.text).text == result.text
    if not findings:
        assert result.text == text
    assert set(result.counts) <= {kind.value for kind in PiiKind}


@fuzz(200)
@given(any_text, st.lists(st.text(max_size=12), max_size=4))
def test_any_extra_terms_are_taken_without_error(text: str, terms: list[str]) -> None:
    result = redact(text, terms)
    assert redact(result.text, terms).text == result.text


# -- files ----------------------------------------------------------------------------------------


def _image(fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGB", (24, 16), (230, 230, 230))
    picture.paste((20, 20, 20), (4, 4, 20, 10))
    picture.save(buffer, fmt, **params)
    return buffer.getvalue()


SEEDS = {
    "png": _image("PNG"),
    "jpeg": _image("JPEG", quality=80),
    "webp": _image("WEBP"),
    "pdf": pdf_module.images_to_pdf([Image.new("RGB", (30, 20), "white")], dpi=72),
    "csv": (
        "姓名,手机,金额,订单号\n陈晓梅,13800138000,-199.00,T2024050100012\n"
        "李四,139 0013 9000,=1+1,T2\n"
    ).encode(),
    "txt": "客服说我的手机 138 0013 8000 不能用，邮箱 chen@163.com。\n".encode("gb18030"),
}


@st.composite
def damaged_files(draw: st.DrawFn) -> bytes:
    """A valid seed file cut short, with bytes flipped or inserted, or random bytes."""
    how = draw(st.sampled_from(["random", "truncate", "flip", "insert", "seed"]))
    if how == "random":
        return draw(st.binary(max_size=600))
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if how == "flip":
        rng = random.Random(draw(st.integers(0, 2**32)))
        for _ in range(draw(st.integers(1, 8))):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        return bytes(data[:at]) + draw(st.binary(min_size=1, max_size=40)) + bytes(data[at:])
    return bytes(data)


def clean(data: bytes, name: str) -> object:
    """What the upload check and the anonymizing job do with a file before OCR: sniff it,
    decode it in full, and rebuild it (images re-encoded, PDF pages rendered with their text
    layer, text and tables redacted)."""
    detected = detect(data[:65536], name_hint=name)
    if detected.kind is FileKind.IMAGE:
        picture = image_module.load_image(data, max_pixels=10_000)
        return image_module.encode_image(picture, photo=detected.extension == ".jpg")
    if detected.kind is FileKind.PDF:
        with pdf_module.opened_pdf(data, max_pages=3) as document:
            pages = list(pdf_module.render_pages(document, dpi=36, max_page_pixels=200_000))
        return pdf_module.images_to_pdf([page.image for page in pages], dpi=36)
    text = decode_text(data)
    if detected.kind is FileKind.CSV:
        table = read_table(text, max_rows=1000, max_columns=50)
        return anonymize_table(table, suggest_actions(table.header), hash_key=b"k")
    return redact(text)


@fuzz(250)
@given(damaged_files(), st.sampled_from(["shot.png", "statement.csv", "chat.txt", "doc.pdf", "x"]))
@example(SEEDS["png"][:40], "shot.png")
@example(SEEDS["pdf"][:-30], "doc.pdf")
@example(b"%PDF-1.7\n", "doc.pdf")
def test_damaged_or_random_files_are_cleaned_or_refused(data: bytes, name: str) -> None:
    try:
        clean(data, name)
    except DomainError as refusal:
        message = refusal.message
    else:
        return
    assert message.strip()  # a refusal the contributor can read, not an empty error


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_every_seed_is_accepted_as_it_is(kind: str) -> None:
    """The seeds are good files: the damaged ones above are damaged versions of real input."""
    assert clean(SEEDS[kind], f"seed.{kind}") is not None
