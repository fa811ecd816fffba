"""The numbering vocabulary of Chinese official documents, written once: clean (is a line a heading?),
chunk (which level does it open?) and answer (is it an item of a list?) compose their regexes from these
unanchored fragments, so a marker taught to one stage is known to all three."""

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
