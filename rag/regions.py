"""Where a measure applies and where an enterprise is: a place as (province, city, county).

jionlp reads the place of an organ's or a place's name with its province (鄂尔多斯市人民政府 → 内蒙古自治区 /
鄂尔多斯市; 鄂托克旗 → 内蒙古自治区 / 鄂尔多斯市 / 鄂托克旗; 国家税务总局南阳市税务局 → 河南省 / 南阳市). Ours: the
national organs (国务院, the ministries, 国家…局, 中国人民银行 …), which jionlp rightly finds no place in and which
apply everywhere, and the rule that a measure applies in its issuer's region and everything under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import markers
from .jio import jio

_NATIONAL = re.compile(markers.NATIONAL_ORGAN)
_HEAD_END = re.compile(r"关于|[，,：:。\s]")
_TAG = re.compile(r"^(?:【[^】]{0,12}】|\[[^\]]{0,12}\])+")
_ALL_PROVINCES = re.compile(r"各省、自治区、直辖市|各省（区、市）|各省\(区、市\)")


@dataclass(frozen=True)
class Region:
    """A place; all None is the whole country (a national organ)."""

    province: str | None = None
    city: str | None = None
    county: str | None = None

    @property
    def national(self) -> bool:
        return self.province is None

    @property
    def name(self) -> str:
        """What users read: 全国, 内蒙古自治区, 内蒙古自治区鄂尔多斯市 (a municipality once: 北京市海淀区)."""
        if self.national:
            return "全国"
        parts = [self.province, self.city if self.city != self.province else None, self.county]
        return "".join(p for p in parts if p)

    def covers(self, other: Region) -> bool:
        """A measure issued for ``self`` applies to an enterprise in ``other``: the same place or one under it
        (内蒙古自治区 covers 鄂尔多斯市; 海淀区 covers only 海淀区; 全国 covers everything)."""
        for mine, theirs in ((self.province, other.province), (self.city, other.city), (self.county, other.county)):
            if mine is None:
                return True
            if mine != theirs:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return {"province": self.province, "city": self.city, "county": self.county, "name": self.name}


NATIONAL = Region()




@lru_cache(maxsize=4096)
def resolve(text: str | None) -> Region | None:
    """The place a name is in: an organ (鄂尔多斯市人民政府, 国务院办公厅 → 全国) or a place (鄂尔多斯, 海淀区).
    None when nothing in it is a place or a national organ: unknown, never guessed."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        loc = jio().parse_location(text)
    except Exception:
        loc = {}
    if loc.get("province"):
        return Region(loc["province"], loc.get("city"), loc.get("county"))
    if _NATIONAL.match(text):
        return NATIONAL
    return None


def region_of(issuer: str | None, *fallbacks: str | None, addressee: str | None = None) -> Region | None:
    """A document's region: from its issuer, else the whole country when it is addressed to every province
    (各省、自治区、直辖市人民政府), else from the first fallback (title, lead) that starts with a place or a
    national organ (成都推出减税抗疫贷… → 四川省成都市; a 【新华网】 tag in front is skipped)."""
    if issuer and (r := resolve(issuer)) is not None:
        return r
    if addressee and _ALL_PROVINCES.search(addressee):
        return NATIONAL
    for name in fallbacks:
        if not name:
            continue
        head = _HEAD_END.split(_TAG.sub("", name.strip()), maxsplit=1)[0]
        if head and (r := resolve(head[:30])) is not None:
            return r
    return None
