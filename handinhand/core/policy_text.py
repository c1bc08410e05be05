"""The words of the pilot policy (config/policy/jiangxi-pilot.toml) that pages show: the
programme's name, grades, meeting kinds and periods, categories, visit forms.

The policy file stays in Chinese (it is the province's document, and its values are stored in
rows); listing its words here lets `make messages` extract them so that the English locale can
translate them where they are shown, through `policy_text()`. Another province's policy simply
shows its words as written until its own are added here.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

PILOT_WORDS = [
    gettext_noop("江西省中小学校党建指导工作（试点）"),
    gettext_noop("组长"),
    gettext_noop("副组长"),
    gettext_noop("指导员"),
    gettext_noop("联络员"),
    gettext_noop("优秀"),
    gettext_noop("良好"),
    gettext_noop("合格"),
    gettext_noop("不合格"),
    gettext_noop("工作调度会议"),
    gettext_noop("联席会议"),
    gettext_noop("春季学期"),
    gettext_noop("秋季学期"),
    gettext_noop("第一季度"),
    gettext_noop("第二季度"),
    gettext_noop("第三季度"),
    gettext_noop("第四季度"),
    gettext_noop("基本合格"),
    gettext_noop("评优评先"),
    gettext_noop("培养培训"),
    gettext_noop("职称评聘"),
    gettext_noop("职务晋升"),
    gettext_noop("赣教工委考"),
    gettext_noop("省委教育工委高校党建研究项目"),
    gettext_noop("省基础教育研究课题"),
    gettext_noop("选题意义"),
    gettext_noop("研究内容与方法"),
    gettext_noop("研究基础"),
    gettext_noop("预期成果"),
    gettext_noop("经费预算合理性"),
    gettext_noop("交通差旅"),
    gettext_noop("劳务"),
    gettext_noop("资料印刷"),
    gettext_noop("会议"),
    gettext_noop("培训"),
    gettext_noop("其他"),
    gettext_noop("申报"),
    gettext_noop("培育"),
    gettext_noop("创建"),
    gettext_noop("命名"),
    gettext_noop("实地指导"),
    gettext_noop("线上指导"),
    gettext_noop("专题党课"),
    gettext_noop("调研座谈"),
    gettext_noop("示范观摩"),
    gettext_noop("《全省中小学校党建指导工作办法》"),
]


def policy_text(word: str) -> str:
    """A word of the policy in the reader's language (as written if the locale lacks it)."""
    return gettext(word) if word else word
