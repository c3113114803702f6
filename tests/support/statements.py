# ruff: noqa: E501 - the exports' own padded Chinese lines are wider than the code's
"""Wallet statements laid out as the wallets export them, with fictional data.

The files in ``tests/data/statements/`` are written by :func:`write_fixtures` and a test holds
them equal to what these functions make, so a change of layout is made in one place. Each
layout follows a public sample (``docs/statements.md`` names them): the same encoding,
preamble, padding, tabs after order numbers and trailer.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "statements"
HOLDER = "林晓雨"
MERCHANT = "云帆商城"

_ALIPAY_NOTICE = (
    "特别提示：",
    "1.本回单内容可表明支付宝受理了相应支付交易申请，因系统原因或通讯故障等偶发因素导致本回单与实际交易"
    "结果不符时，以实际交易情况为准；",
    "2.请勿将本回单作为收款方发货的凭据使用，请查证账户实际到账情况后再进行发货操作；",
    "3.支付宝快捷支付等非余额支付方式可能既产生支付宝交易也同步产生银行交易，因此请勿使用本回单进行重复记账；",
    "4.本回单如经任何涂改、编造，均立即失去效力；",
    "5.部分账单如：充值提现、账户转存或者个人设置收支等不计入为收入或者支出，记为不计收支类；",
    "6.因统计逻辑不同，明细金额直接累加后，可能会和下方统计金额不一致，请以实际交易金额为准；",
    "7.禁止将本回单用于非法用途；",
    "8.本明细仅展示当前账单中的交易，不包括已删除的记录；",
    "9.本明细仅供个人对账使用。",
)

_APP_HEADER = (
    "交易时间            ,交易分类                ,交易对方                ,对方账号                ,"
    "商品说明                ,收/支                 ,金额                  ,收/付款方式              ,"
    "交易状态                ,交易订单号     ,商家订单号           ,备注                  ,"
)

#: (time, category, counterparty, account, item, direction, amount, method, status, order,
#:  merchant order, note): net paid to 云帆商城 is 199 + 199 - 199 + 88.50 - 50 = 437.50 - 200
ALIPAY_ROWS = (
    (
        "2026-10-22 16:40:02",
        "退款",
        MERCHANT,
        "/",
        "退款-会员加购包",
        "不计收支",
        "50.00",
        "余额",
        "退款成功",
        "2026100922001405511000118822_R2",
        "YF20261009003",
        "",
    ),
    (
        "2026-10-20 08:15:44",
        "日用百货",
        MERCHANT,
        "yunfan***@example.com",
        "未付款订单",
        "支出",
        "59.00",
        "",
        "交易关闭",
        "2026102022001405511000119001",
        "YF20261020001",
        "",
    ),
    (
        "2026-10-15 19:02:11",
        "转账红包",
        "张*",
        "zha***@example.com",
        "转账",
        "收入",
        "500.00",
        "余额",
        "交易成功",
        "20261015200040011100650012345678",
        "",
        "",
    ),
    (
        "2026-10-12 12:31:09",
        "餐饮美食",
        "美味外卖",
        "/",
        "午餐",
        "支出",
        "35.00",
        "招商银行储蓄卡(1234)",
        "交易成功",
        "2026101222001405511000117777",
        "MW8866",
        "",
    ),
    (
        "2026-10-09 21:05:37",
        "日用百货",
        MERCHANT,
        "yunfan***@example.com",
        "会员加购包",
        "支出",
        "88.50",
        "招商银行储蓄卡(1234)",
        "交易成功",
        "2026100922001405511000118822",
        "YF20261009003",
        "客服电话13812345678",
    ),
    (
        "2026-10-06 09:00:12",
        "退款",
        MERCHANT,
        "/",
        "退款-年度会员自动续费",
        "不计收支",
        "199.00",
        "余额",
        "退款成功",
        "2026100522001405511000116543_R1",
        "YF20261005002",
        "",
    ),
    (
        "2026-10-05 03:12:40",
        "日用百货",
        MERCHANT,
        "yunfan***@example.com",
        "年度会员自动续费",
        "支出",
        "199.00",
        "招商银行储蓄卡(1234)",
        "交易关闭",
        "2026100522001405511000116543",
        "YF20261005002",
        "",
    ),
    (
        "2026-10-03 03:12:05",
        "日用百货",
        MERCHANT,
        "yunfan***@example.com",
        "年度会员自动续费",
        "支出",
        "199.00",
        "招商银行储蓄卡(1234)",
        "交易成功",
        "2026100322001405511000115432",
        "YF20261003001",
        "",
    ),
)
#: what the loss table of ALIPAY_ROWS against 云帆商城 comes to, in fen
ALIPAY_NET = 19900 + 19900 - 19900 + 8850 - 5000


def _pad(cell: str, width: int) -> str:
    return cell + " " * max(width - len(cell), 1)


def alipay_app(
    rows: tuple[tuple[str, ...], ...] = ALIPAY_ROWS,
    holder: str = HOLDER,
    declared: int | None = None,
) -> bytes:
    """An Alipay app export (「电子客户回单」) in GB18030."""
    lines = [
        "-" * 84,
        "导出信息：",
        f"姓名：{holder}",
        "支付宝账户：lin***@example.com",
        "起始时间：[2026-10-01 00:00:00]    终止时间：[2026-10-31 23:59:59]",
        "导出交易类型：[全部]",
        "导出时间：[2026-11-02 09:12:52]",
        f"共{len(rows) if declared is None else declared}笔记录",
        "收入：1笔 500.00元",
        "支出：5笔 580.50元",
        "不计收支：2笔 249.00元",
        "",
        *_ALIPAY_NOTICE,
        "",
        "------------------------支付宝（中国）网络技术有限公司  电子客户回单------------------------",
        _APP_HEADER,
    ]
    for index, row in enumerate(rows):
        cells = list(row)
        cells[9] += "\t"
        cells[10] += "\t"
        if index < 3:  # the first rows of a real export are padded, later ones are not
            lines.append(",".join(_pad(c, 20) for c in cells) + ",")
        else:
            lines.append(",".join(cells) + ",")
    return ("\n".join(lines) + "\n").encode("gb18030")


def alipay_web(truncate: bool = False) -> bytes:
    """The older Alipay web export (「支付宝交易记录明细查询」) in GB18030, with its dashed end line."""
    header = (
        "交易号                  ,商家订单号               ,交易创建时间              ,付款时间                ,"
        "最近修改时间              ,交易来源地     ,类型              ,交易对方            ,商品名称                ,"
        "金额（元）   ,收/支     ,交易状态    ,服务费（元）   ,成功退款（元）  ,备注                  ,资金状态     ,"
    )
    rows = (
        (
            "2026100322001405511000115432\t",
            "YF20261003001\t",
            "2026-10-03 03:12:05",
            "2026-10-03 03:12:06",
            "2026-10-03 03:12:06",
            "其他（包括阿里巴巴和外部商家）",
            "即时到账交易",
            MERCHANT,
            "年度会员自动续费",
            "199.00",
            "支出",
            "交易成功",
            "0.00",
            "0.00",
            "",
            "已支出",
        ),
        (
            "2026100522001405511000116543\t",
            "YF20261005002\t",
            "2026-10-05 03:12:40",
            "2026-10-05 03:12:41",
            "2026-10-06 09:00:12",
            "其他（包括阿里巴巴和外部商家）",
            "即时到账交易",
            MERCHANT,
            "年度会员自动续费",
            "199.00",
            "支出",
            "交易关闭",
            "0.00",
            "199.00",
            "",
            "已支出",
        ),
        (
            "2026100922001405511000118822\t",
            "YF20261009003\t",
            "2026-10-09 21:05:37",
            "2026-10-09 21:05:38",
            "2026-10-22 16:40:02",
            "其他（包括阿里巴巴和外部商家）",
            "即时到账交易",
            MERCHANT,
            "会员加购包",
            "88.50",
            "支出",
            "交易成功",
            "0.00",
            "50.00",
            "",
            "已支出",
        ),
        (
            "20261015200040011100650012345678\t",
            "\t",
            "2026-10-15 19:02:11",
            "2026-10-15 19:02:11",
            "2026-10-15 19:02:11",
            "支付宝网站",
            "转账",
            "张*",
            "转账",
            "500.00",
            "收入",
            "交易成功",
            "0.00",
            "0.00",
            "",
            "已收入",
        ),
    )
    lines = [
        "支付宝交易记录明细查询",
        "账号:[lin***@example.com]",
        "起始日期:[2026-10-01 00:00:00]    终止日期:[2026-10-31 23:59:59]",
        "---------------------------------交易记录明细列表------------------------------------",
        header,
        *(",".join(row) + "," for row in rows),
    ]
    if not truncate:
        lines.append("-" * 84)
    return ("\n".join(lines) + "\n").encode("gb18030")


#: net paid to 云帆商城 in the web export: 199 + 199 - 199 + 88.50 - 50
ALIPAY_WEB_NET = 19900 + 19900 - 19900 + 8850 - 5000

_WECHAT_PREAMBLE = (
    "微信支付账单明细",
    "微信昵称：[小雨]",
    "起始时间：[2026-10-01 00:00:00] 终止时间：[2026-10-31 23:59:59]",
    "导出类型：[全部]",
    "导出时间：[2026-11-02 10:05:22]",
    "",
    "共{count}笔记录",
    "收入：1笔 8.88元",
    "支出：4笔 586.50元",
    "中性交易：0笔 0.00元",
    "注：",
    "1. 充值/提现/理财通购买/零钱通存取/信用卡还款等交易，将计入中性交易",
    "2. 本明细仅展示当前账单中的交易，不包括已删除的记录",
    "3. 本明细仅供个人对账使用",
    "",
    "----------------------微信支付账单明细列表--------------------",
)
WECHAT_HEADER = (
    "交易时间",
    "交易类型",
    "交易对方",
    "商品",
    "收/支",
    "金额(元)",
    "支付方式",
    "当前状态",
    "交易单号",
    "商户单号",
    "备注",
)
WECHAT_ROWS = (
    (
        "2026-10-03 03:12:05",
        "商户消费",
        MERCHANT,
        "年度会员自动续费",
        "支出",
        "199.00",
        "招商银行(1234)",
        "支付成功",
        "4200002611202610031234567890",
        "YF20261003001",
        "/",
    ),
    (
        "2026-10-05 03:12:40",
        "商户消费",
        MERCHANT,
        "年度会员自动续费",
        "支出",
        "199.00",
        "招商银行(1234)",
        "已全额退款",
        "4200002611202610052345678901",
        "YF20261005002",
        "/",
    ),
    (
        "2026-10-06 09:00:12",
        "商户消费-退款",
        MERCHANT,
        "年度会员自动续费",
        "收入",
        "199.00",
        "招商银行(1234)",
        "已全额退款",
        "50302207012026100612345678901",
        "YF20261005002",
        "/",
    ),
    (
        "2026-10-09 21:05:37",
        "扫二维码付款",
        MERCHANT,
        "收款方备注:会员加购包",
        "支出",
        "88.50",
        "零钱",
        "已转账",
        "10001071012026100900123456789",
        "/",
        "客服电话13812345678",
    ),
    (
        "2026-10-12 12:31:09",
        "微信红包",
        "好友",
        "/",
        "收入",
        "8.88",
        "/",
        "已存入零钱",
        "10000498012026101200987654321",
        "/",
        "/",
    ),
    (
        "2026-10-15 19:02:11",
        "转账",
        "张*",
        "转账备注:微信转账",
        "支出",
        "100.00",
        "零钱",
        "对方已收钱",
        "10001000012026101500111222333",
        "/",
        "/",
    ),
)
#: net paid to 云帆商城 in the WeChat Pay bill
WECHAT_NET = 19900 + 19900 - 19900 + 8850


def wechat_csv(
    rows: tuple[tuple[str, ...], ...] = WECHAT_ROWS, declared: int | None = None
) -> bytes:
    """A WeChat Pay bill as CSV (UTF-8), the first row quoted like the sample, the others not."""
    count = len(rows) if declared is None else declared
    lines = [line.format(count=count) + "," * 10 for line in _WECHAT_PREAMBLE]
    lines.append(",".join(WECHAT_HEADER))
    for index, row in enumerate(rows):
        cells = list(row)
        cells[5] = "¥" + cells[5]
        if index == 0:
            quoted = [f'"{c}"' for c in cells]
            quoted[0], quoted[5] = cells[0], cells[5]
            quoted[8] += "\t"
            quoted[9] += "\t"
            lines.append(",".join(quoted))
        else:
            cells[8] += "\t"
            cells[9] += "\t"
            lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def wechat_xlsx(rows: tuple[tuple[str, ...], ...] = WECHAT_ROWS, formula: bool = False) -> bytes:
    """A WeChat Pay bill as xlsx: the preamble in column A, amounts as numbers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "Sheet1"
    for line in _WECHAT_PREAMBLE:
        sheet.append([line.format(count=len(rows)) or None])
    sheet.append(list(WECHAT_HEADER))
    for row in rows:
        cells: list[object] = list(row)
        cells[5] = float(row[5])
        cells[8] = row[8] + "\t"
        sheet.append(cells)
    if formula:
        sheet.cell(row=sheet.max_row, column=6, value="=F18+F19")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PAYPAL_HEADER = (
    "Date",
    "Time",
    "TimeZone",
    "Name",
    "Type",
    "Status",
    "Currency",
    "Gross",
    "Fee",
    "Net",
    "From Email Address",
    "To Email Address",
    "Transaction ID",
    "Item Title",
    "Item ID",
    "Reference Txn ID",
    "Receipt ID",
    "Balance",
    "Note",
)
PAYPAL_ROWS = (
    (
        "10/03/2026",
        "03:46:20",
        "PDT",
        "Sunny Gadgets Ltd",
        "Express Checkout Payment",
        "Completed",
        "USD",
        "-149.99",
        "0.00",
        "-149.99",
        "lin.xiaoyu@example.com",
        "sales@sunny-gadgets.example",
        "1AB23456CD789012E",
        "Smart speaker",
        "",
        "",
        "",
        "-149.99",
        "",
    ),
    (
        "10/03/2026",
        "03:46:20",
        "PDT",
        "",
        "Bank Deposit to PP Account ",
        "Pending",
        "USD",
        "149.99",
        "0.00",
        "149.99",
        "",
        "lin.xiaoyu@example.com",
        "2FG34567HJ890123K",
        "",
        "",
        "1AB23456CD789012E",
        "",
        "0.00",
        "",
    ),
    (
        "10/09/2026",
        "11:02:11",
        "PDT",
        "Sunny Gadgets Ltd",
        "Express Checkout Payment",
        "Completed",
        "USD",
        "-35.00",
        "0.00",
        "-35.00",
        "lin.xiaoyu@example.com",
        "sales@sunny-gadgets.example",
        "3LM45678NP901234Q",
        "Extended warranty",
        "",
        "",
        "",
        "-35.00",
        "Call me on +1 415 555 0137",
    ),
    (
        "10/21/2026",
        "08:15:00",
        "PDT",
        "Sunny Gadgets Ltd",
        "Payment Refund",
        "Completed",
        "USD",
        "20.00",
        "0.00",
        "20.00",
        "sales@sunny-gadgets.example",
        "lin.xiaoyu@example.com",
        "4RS56789TU012345V",
        "Extended warranty",
        "",
        "3LM45678NP901234Q",
        "",
        "20.00",
        "",
    ),
    (
        "10/25/2026",
        "19:30:45",
        "PDT",
        "Book Corner",
        "Express Checkout Payment",
        "Completed",
        "USD",
        "-12.50",
        "0.00",
        "-12.50",
        "lin.xiaoyu@example.com",
        "shop@bookcorner.example",
        "5WX67890YZ123456A",
        "Paperback",
        "",
        "",
        "",
        "-12.50",
        "",
    ),
)
#: net paid to Sunny Gadgets in cents
PAYPAL_NET = 14999 + 3500 - 2000


def paypal_csv(rows: tuple[tuple[str, ...], ...] = PAYPAL_ROWS, bom: bool = False) -> bytes:
    """A PayPal activity download: every field quoted, month-first dates (a US account)."""
    lines = [",".join(f'"{c}"' for c in row) for row in (PAYPAL_HEADER, *rows)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data


def many_rows(count: int) -> bytes:
    """An Alipay app export of ``count`` rows (for the size limits and the bench)."""
    base = ALIPAY_ROWS[-1]
    rows = tuple(
        (
            f"2026-10-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{i % 59:02d}",
            *base[1:9],
            f"2026100322001405511{i:09d}",
            f"YF{i:011d}",
            base[11],
        )
        for i in range(count)
    )
    return alipay_app(rows)


FILES: dict[str, Callable[[], bytes]] = {
    "alipay-app.csv": alipay_app,
    "alipay-web.csv": alipay_web,
    "wechat.csv": wechat_csv,
    "wechat.xlsx": wechat_xlsx,
    "paypal-activity.csv": paypal_csv,
}


def write_fixtures() -> None:
    """Write the committed fixtures (``python -m tests.support.statements``)."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name, make in FILES.items():
        (FIXTURES / name).write_bytes(make())


if __name__ == "__main__":
    write_fixtures()
