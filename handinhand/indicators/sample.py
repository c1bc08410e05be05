"""A SAMPLE framework (示例) of 6 / 20 / 70 indicators for school Party-building.

The official indicator texts are not public; these titles are plausible stand-ins for the demo
and the tests, and the framework is always marked as a sample. The real one is imported.
"""

from __future__ import annotations

from decimal import Decimal

from handinhand.indicators.structure import Node

SAMPLE_NAME = "中小学校党建工作指标体系（示例）"
SAMPLE_EDITION = "2025版"

# level 1 → level 2 → level 3 titles
_TREE: list[tuple[str, list[tuple[str, list[str]]]]] = [
    (
        "政治建设",
        [
            (
                "党的全面领导",
                [
                    "落实党组织领导的校长负责制",
                    "党组织会议和校长办公会议议事规则健全",
                    "重大事项由党组织研究决定",
                    "党组织书记履行第一责任人职责",
                ],
            ),
            (
                "政治理论学习",
                [
                    "理论学习中心组学习制度化",
                    "深入学习贯彻习近平新时代中国特色社会主义思想",
                    "学习成果转化为办学治校实效",
                ],
            ),
            (
                "意识形态工作",
                [
                    "意识形态工作责任制落实",
                    "课堂、讲座、论坛等阵地管理",
                    "校园网络与新媒体管理",
                    "舆情研判与处置",
                ],
            ),
            ("政治生态", ["严肃党内政治生活", "民主集中制执行", "政治监督与问题整改"]),
        ],
    ),
    (
        "思想建设",
        [
            (
                "理想信念教育",
                [
                    "党员理想信念教育常态化",
                    "党史学习教育常态化长效化",
                    "红色资源运用",
                    "主题教育成果巩固",
                ],
            ),
            ("师德师风建设", ["师德师风建设机制健全", "教师思想政治工作", "师德失范行为查处"]),
            (
                "立德树人",
                [
                    "思政课建设",
                    "课程思政融入学科教学",
                    "指导少先队、共青团工作",
                    "社会主义核心价值观教育",
                ],
            ),
        ],
    ),
    (
        "组织建设",
        [
            ("组织设置", ["党组织设置规范", "党组织按期换届", "党支部建在年级组或教研组"]),
            (
                "班子与党务队伍",
                [
                    "党组织书记选优配强",
                    "党务工作人员配备",
                    "党务干部培训",
                    "“双带头人”教师党支部书记培育",
                ],
            ),
            ("党员队伍", ["发展党员工作规范", "党员教育管理", "党员先锋模范作用发挥"]),
            (
                "组织生活",
                [
                    "“三会一课”制度落实",
                    "主题党日活动",
                    "组织生活会和民主评议党员",
                    "谈心谈话制度落实",
                ],
            ),
        ],
    ),
    (
        "作风建设",
        [
            (
                "落实中央八项规定精神",
                ["中央八项规定及其实施细则精神落实", "整治形式主义官僚主义", "为基层教师减负"],
            ),
            (
                "联系服务师生",
                [
                    "党员领导干部联系教师制度",
                    "关心关爱师生",
                    "为师生办实事解难题",
                    "家校社协同育人",
                ],
            ),
            ("调查研究", ["调查研究制度落实", "问题整改落实", "师生满意度"]),
        ],
    ),
    (
        "纪律建设",
        [
            ("纪律教育", ["党纪学习教育", "警示教育", "廉洁文化进校园", "纪律规矩宣讲"]),
            ("监督执纪", ["全面从严治党主体责任清单", "日常监督与谈话提醒", "问题线索处置"]),
            (
                "廉政风险防控",
                [
                    "招生、招聘、采购等重点领域风险防控",
                    "财务管理与经费使用",
                    "校务公开",
                    "违规收费与有偿补课治理",
                ],
            ),
        ],
    ),
    (
        "制度与保障",
        [
            ("制度建设", ["党建工作制度体系", "党建工作计划与总结", "党建工作档案规范"]),
            (
                "阵地与经费保障",
                ["党员活动室建设", "党建工作经费保障", "党建信息化平台运用", "党建品牌创建"],
            ),
            (
                "考核与结对指导",
                ["党建工作述职评议考核", "党建与业务深度融合", "接受高校党建指导并落实整改"],
            ),
        ],
    ),
]


def sample_nodes() -> list[Node]:
    """The sample's 96 indicators in order; level-3 scores of 1.5 or 1.0, summing to 100."""
    nodes: list[Node] = []
    leaf = 0
    for i, (l1, l2s) in enumerate(_TREE, start=1):
        nodes.append(Node(code=str(i), level=1, parent_code="", title=l1))
        for j, (l2, l3s) in enumerate(l2s, start=1):
            code2 = f"{i}.{j}"
            nodes.append(Node(code=code2, level=2, parent_code=str(i), title=l2))
            for k, l3 in enumerate(l3s, start=1):
                score = Decimal("1.0") if leaf % 7 == 6 else Decimal("1.5")
                leaf += 1
                nodes.append(
                    Node(
                        code=f"{code2}.{k}",
                        level=3,
                        parent_code=code2,
                        title=l3,
                        max_score=score,
                        guidance=f"查阅资料、座谈访谈，对照“{l3}”的要求评分：全面落实得满分，"
                        "部分落实酌情扣分，未落实不得分。",
                        evidence="相关制度文件、会议记录、工作台账或照片",
                    )
                )
    return nodes
