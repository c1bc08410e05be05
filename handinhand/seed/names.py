"""Realistic Chinese names for synthetic people and schools, drawn from a seeded generator."""

from __future__ import annotations

import random
from collections import defaultdict

from handinhand.orgs.models import SchoolType

SURNAMES = (
    "王" * 8
    + "李" * 8
    + "张" * 7
    + "刘" * 6
    + "陈" * 6
    + "杨" * 4
    + "黄" * 4
    + "赵" * 3
    + "吴" * 3
    + "周" * 3
    + "徐" * 2
    + "孙" * 2
    + "马" * 2
    + "朱" * 2
    + "胡" * 2
    + "郭" * 2
    + "何" * 2
    + "高" * 2
    + "林" * 2
    + "罗" * 2
    + "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤聂熊"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华建国文辉玲红英斌波宇浩凯鹏飞琳雪梅兰婷慧颖晨"
    "晓东海峰志云亮鑫俊健欣佳嘉怡萍燕霖宏春秋德成荣新昌涵睿博彬琴蓉倩莉丹阳光林卫东兵"
)
TOWN_FIRST = "东西南北上下新老高白青石长大小黄金麻良桐荷腊福湖坪桥塘田溪源坊山岭江港陂埠岗洲"
TOWN_SECOND = "口头市渡铺坑田桥塘源岭坪湖溪冲埠洲港岗山坊垄湾圩"
PLACE_WORDS = (
    "育才",
    "育英",
    "城南",
    "城北",
    "城东",
    "城西",
    "新城",
    "滨江",
    "文昌",
    "崇文",
    "阳光",
    "红星",
    "人民路",
    "解放路",
    "建设路",
    "站前",
    "西门",
    "东门",
    "凤凰",
    "明珠",
    "翠湖",
    "光明",
    "实验",
    "外国语",
    "师范附属",
)
DEPARTMENTS = (
    "马克思主义学院",
    "教育学院",
    "文学院",
    "经济管理学院",
    "信息工程学院",
    "机电工程学院",
    "化学化工学院",
    "法学院",
    "外国语学院",
    "数学与计算机学院",
)
TITLES_UNIVERSITY = (
    "党委组织部部长",
    "党委组织部副部长",
    "马克思主义学院院长",
    "教授",
    "副教授",
    "党委宣传部副部长",
    "学院党委书记",
    "学院党委副书记",
    "讲师",
)
TITLES_LOCAL = (
    "教育局党组成员",
    "机关党委书记",
    "基础教育科科长",
    "党建办主任",
    "中学校长",
    "小学党支部书记",
    "教研员",
    "督学",
)

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (1–99)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.6:
        given += rng.choice(GIVEN_CHARS)
    return rng.choice(SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


class CountyNamer:
    """Realistic, unique school names inside one county: a few numbered schools in town (第三小学),
    named ones (实验中学), and most of them after their town and village (良坊镇中心小学)."""

    def __init__(self, rng: random.Random, county: str, schools: int) -> None:
        self.rng = rng
        self.county = county
        urban = county.endswith("区")
        self.caps = {"primary": 20 if urban else 8, "middle": 12 if urban else 6}
        self.used: set[str] = set()
        self.numbers: dict[str, int] = defaultdict(int)
        towns = {"城关镇"} if not urban else set()
        wanted = min(30, max(6, schools // 8))
        while len(towns) < wanted:
            towns.add(self._two() + ("镇" if rng.random() < 0.7 else "乡"))
        self.towns = sorted(towns)

    def _two(self) -> str:
        first = self.rng.choice(TOWN_FIRST)
        second = self.rng.choice(TOWN_SECOND)
        return first + (second if second != first else "田")

    def _numbered(self, family: str, suffix: str) -> str | None:
        if self.numbers[family] >= self.caps[family]:
            return None
        self.numbers[family] += 1
        return f"{self.county}第{chinese_number(self.numbers[family])}{suffix}"

    def _village(self, suffix: str) -> str:
        return f"{self.county}{self.rng.choice(self.towns)}{self._two()}{suffix}"

    def _candidate(self, school_type: str) -> tuple[str | None, str]:
        rng, county = self.rng, self.county
        town = rng.choice(self.towns)
        place = rng.choice(PLACE_WORDS)
        roll = rng.random()
        if school_type == SchoolType.PRIMARY:
            if roll < 0.12:
                return self._numbered("primary", "小学"), "urban"
            if roll < 0.18:
                return f"{county}{place}小学", "urban"
            if roll < 0.4:
                return f"{county}{town}中心小学", "town"
            return self._village("小学"), "village"
        if school_type == SchoolType.JUNIOR:
            if roll < 0.15:
                return self._numbered("middle", "中学"), "urban"
            if roll < 0.25:
                return f"{county}{place}中学", "urban"
            return f"{county}{town}中学", "town"
        if school_type in (SchoolType.SENIOR, SchoolType.COMPLETE):
            if roll < 0.5:
                return self._numbered("middle", "中学"), "urban"
            if roll < 0.75:
                return f"{county}{place}中学", "urban"
            return f"{county}{town}高级中学", "town"
        if school_type == SchoolType.NINE_YEAR:
            if roll < 0.6:
                return f"{county}{town}九年一贯制学校", "town"
            return self._village("学校"), "village"
        if school_type == SchoolType.TWELVE_YEAR:
            return f"{county}{place}学校", "urban"
        if roll < 0.4:
            kind = rng.choice(("职业中等专业学校", "职业技术学校", "中等专业学校"))
            return f"{county}{kind}", "urban"
        return f"{county}{place}职业学校", "urban"

    def name(self, school_type: str) -> tuple[str, str]:
        """A new name and its kind: "urban", "town" or "village" (which sizes the school)."""
        suffix = "小学" if school_type == SchoolType.PRIMARY else "学校"
        candidate, kind = self._candidate(school_type)
        attempts = 0
        while candidate is None or candidate in self.used:
            attempts += 1
            if attempts < 4:
                candidate, kind = self._candidate(school_type)
                continue
            kind = "village"
            candidate = self._village(suffix)
            if attempts > 500:  # a county with more schools than town × village names
                candidate = f"{candidate[: -len(suffix)]}{attempts}{suffix}"
        self.used.add(candidate)
        return candidate, kind
