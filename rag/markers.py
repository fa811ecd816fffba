"""The vocabulary of Chinese official documents, written once as unanchored regex fragments.

Numbering: clean (is a line a heading?), chunk (which level does it open?) and answer (is it an item of a
list?) compose their regexes from these, so a marker taught to one stage is known to all three.

版记 and contact note: metadata reads the 联系人 / 联系电话 note and the 印发 line with these; anything else
that needs to recognise a phone number (a figure check, a query parser) should use the same ``PHONE``.
"""

from __future__ import annotations

# Chinese numerals as they appear in numbering (〇 and the circle ○ both occur in dates and serials).
CN_NUM = "一二三四五六七八九十百零〇○两"

CHAPTER = rf"第[{CN_NUM}\d]+[章编]"  # 第一章 / 第二编
SECTION = rf"第[{CN_NUM}\d]+节"  # 第一节
ARTICLE = rf"第[{CN_NUM}\d]{{1,4}}条"  # 第十二条
DUN_CN = rf"[{CN_NUM}]{{1,4}}、"  # 一、
PAREN_CN = rf"[（(][{CN_NUM}]{{1,4}}[）)]"  # （一）
SHI = rf"[{CN_NUM}]{{1,4}}是"  # 一是 (officials write these inside a paragraph)
NUM = r"\d{1,2}(?:[、．]|\.(?!\d))"  # 1. / 1、 / 1． but not 2.0版 or 1.7亿 (a digit after the dot)
PAREN_NUM = r"[（(]\d{1,2}[）)]"  # （1）

# ---------------------------------------------------------------------------------------------------------
# Phone numbers and the contact note
# ---------------------------------------------------------------------------------------------------------

_DASH = "-—–－"  # officials type the hyphen of 0477-8586566 as any of these
# One phone number as printed in a contact note. Alternatives, longest first so a mobile is never read as
# a local number: mobile 13807138996 (+86 allowed); landline with area code 0477-8586566, 0477 8586566,
# 07715897078, (010)8403-8327, 转 extension allowed; the same with the country code instead of the trunk 0
# (86-10-88388004); 400 / 800 numbers; 12345-style government hotlines (12315, 12333, 12366); and a bare
# local 7–8 digit number (87833713), which in running text would be any figure, so callers must only look
# for PHONE inside a contact clause. Digits may not continue on either side (no cut from a longer figure).
PHONE = (
    r"(?<![\d+])(?:"
    r"(?:\+?86[ -]?)?1[3-9]\d{9}"
    rf"|(?:[（(]0\d{{2,3}}[）)] ?|0\d{{2,3}}[{_DASH} ]?)(?:\d{{7,8}}|\d{{3,4}}[{_DASH}]\d{{4}})(?:转\d{{1,6}})?"
    rf"|\+?86[ -]?[1-9]\d{{1,2}}[{_DASH} ]\d{{7,8}}"
    rf"|[48]00[{_DASH}]?\d{{3}}[{_DASH}]?\d{{4}}"
    r"|12\d{3}"
    r"|\d{7,8}"
    r")(?!\d)"
)
# The label of a contact note that names a person: 联系人：, 联系人及电话：, 联系人及联系方式： (also after a
# unit: 局办公室联系人：, 捐赠联系人：). Only with its colon: 联系人 without one is prose (落实联系人).
CONTACT_LABEL = r"联系人(?:及(?:联系)?(?:电话|方式))?[ ]?[：:]"
# The word that introduces the number(s) after the name: 联系电话, 电话, 手机, 电话及微信号, 联系方式.
PHONE_WORD = r"(?:联系|办公|咨询)?(?:电话|手机|座机)(?:号码)?(?:及微信号?)?|联系方式"
# A contact note without a name: 联系电话：…, 咨询电话：…, 联系方式：…, 电话：… (callers anchor it at the start
# of a line or sentence: mid-sentence it is a service number, 开辟服务专线（联系电话：…）).
PHONE_LABEL = r"(?:联系|咨询)?电话[ ]?[：:]|联系方式[ ]?[：:]"
# The number of a fax (66020522（传真）) is not a phone to call.
FAX_NOTE = r"[（(]传真[）)]"

# The 版记 line that dates the printing: 鄂尔多斯市人民政府办公室 2025年9月3日印发.
PRINTED = "印发"
