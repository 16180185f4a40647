"""Words the demo composes small firms, listings, service packages and demands from (qianfan.demo).

No public data set of small firms' capabilities exists, so the demo writes them from these lists, the
GB/T 4754-2017 industry descriptions and the 2022 procurement catalogue. Everything composed from here
is stored with `is_composed=True` and shown as composed. Industry codes and catalogue prefixes are
checked against the reference tables when the demo loads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """A kind of small tech firm: what it is called, its industries, what it offers and what it holds."""

    word: str  # the business word in its name: 北京云帆{word}有限公司
    industries: tuple[str, ...]  # GB/T 4754-2017 小类 codes
    catalogue: tuple[str, ...]  # procurement catalogue code prefixes its offers come from
    kinds: tuple[str, ...]  # listing kinds it posts
    capabilities: tuple[str, ...]
    qualifications: tuple[
        tuple[str, int | None, float], ...
    ]  # (name, grade, share of firms holding it)
    weight: int  # how common the profile is among the programme's firms


_COMMON = (("高新技术企业", None, 0.45), ("ISO 9001", None, 0.4), ("专精特新", None, 0.08))
PROFILES = (
    Profile(
        "软件", ("6511", "6512", "6513", "6519"), ("C160101", "C160102", "C160103", "C160104", "C1608"),
        ("product", "technology"),
        ("需求分析与定制开发", "微服务架构与容器化部署", "国产化操作系统与数据库适配", "低代码配置平台", "移动端与小程序开发"),
        (*_COMMON, ("CMMI 3", None, 0.25), ("ISO 27001", None, 0.15)), 22,
    ),
    Profile(
        "信息技术", ("6531", "6560"), ("C1602", "C1609", "A020101", "A020105"), ("service", "product"),
        ("机房与网络系统集成", "信息化规划与方案设计", "软硬件联调与上线保障", "项目管理与交付", "等保合规整改"),
        (*_COMMON, ("信息系统建设和服务能力", 2, 0.2), ("ISO 27001", None, 0.2)), 16,
    ),
    Profile(
        "物联网科技", ("6532",), ("A0208", "A0210", "C160302"), ("product", "technology"),
        ("传感器选型与组网", "边缘网关与数据采集", "设备远程监测与告警", "NB-IoT与LoRa接入", "数字孪生可视化"),
        _COMMON, 10,
    ),
    Profile(
        "数据科技", ("6550", "6450"), ("C1603", "C1604", "C160801"), ("service", "technology"),
        ("数据治理与数据中台", "大数据分析与可视化", "云资源托管与迁移", "算力调度与模型训练平台", "数据标注与清洗"),
        (*_COMMON, ("ISO 27001", None, 0.3)), 10,
    ),
    Profile(
        "网络安全", ("6440", "3915"), ("C160105", "C160704", "C160204"), ("product", "service"),
        ("渗透测试与漏洞扫描", "安全运营中心建设", "数据防泄漏", "零信任访问控制", "等级保护测评整改"),
        (*_COMMON, ("ISO 27001", None, 0.5)), 7,
    ),
    Profile(
        "技术服务", ("6540",), ("C1607",), ("service",),
        ("7×24小时驻场运维", "基础环境与动环运维", "硬件维保与备品备件", "软件巡检与版本升级", "应急响应与故障处理"),
        (*_COMMON, ("ISO 20000", None, 0.3)), 9,
    ),
    Profile(
        "通信技术", ("3921", "3922", "6319"), ("A0208", "B0602"), ("product", "service"),
        ("5G室分与小基站", "光缆线路施工与维护", "铁塔与机房配套", "专网通信设备", "基站节能改造"),
        (*_COMMON, ("通信工程施工总承包", 3, 0.3), ("安全生产许可证", None, 0.35)), 7,
    ),
    Profile(
        "电子", ("3982", "3983", "3976", "3975"), ("A0210", "A0211", "A0201"), ("product",),
        ("电路板设计与贴片", "传感器与模组", "光电器件", "LED显示与照明", "嵌入式硬件定制"),
        _COMMON, 6,
    ),
    Profile(
        "智能装备", ("3914", "3964", "3963"), ("A0210", "A0201"), ("product", "technology"),
        ("工业控制系统", "服务机器人", "无人机巡检", "机器视觉检测", "智能仓储设备"),
        _COMMON, 5,
    ),
    Profile(
        "新能源科技", ("3825", "3841", "3874"), ("A0206", "C1907"), ("product", "service"),
        ("分布式光伏建设", "储能系统集成", "智能照明改造", "能耗监测与节能服务", "充电设施运营"),
        (*_COMMON, ("安全生产许可证", None, 0.3)), 5,
    ),
    Profile(
        "建设工程", ("4910", "4920", "5011"), ("B06", "B07", "B05"), ("service",),
        ("机电安装施工", "装修装饰工程", "消防改造施工", "弱电智能化工程", "空调暖通安装"),
        (("建筑工程施工总承包", 2, 0.4), ("机电工程施工总承包", 3, 0.3), ("建筑装修装饰工程专业承包", 2, 0.3),
         ("安全生产许可证", None, 0.8), ("ISO 9001", None, 0.5)),
        4,
    ),
    Profile(
        "环保科技", ("7721", "7722", "7723"), ("C07",), ("service", "technology"),
        ("污水处理运营", "大气污染治理", "固体废物资源化", "环境监测", "生态修复"),
        _COMMON, 4,
    ),
    Profile(
        "检测技术", ("7452", "7451"), ("C1606", "C1901"), ("service",),
        ("电磁兼容检测", "软件测评", "产品认证咨询", "计量校准", "材料分析"),
        (*_COMMON, ("CNAS实验室认可", None, 0.5)), 3,
    ),
    Profile(
        "设计咨询", ("7483", "7484"), ("C11",), ("service",),
        ("工程设计", "规划咨询", "可行性研究", "造价咨询", "BIM建模"),
        (*_COMMON, ("工程设计", 2, 0.4)), 3,
    ),
)  # fmt: skip

# Application scenes: where a listing is used; many are the programme's own signing topics.
SCENES = (
    "智慧城市", "数字政府", "工业互联网", "智慧水务", "智慧能源", "智慧交通", "智慧养老", "智慧园区",
    "智慧社区", "智慧校园", "智慧医疗", "应急管理", "数据中心", "通信基础设施", "5G专网", "算力中心",
    "智慧道路巡检", "中央空调节能", "工业云", "政企客户",
)  # fmt: skip
QUALIFIERS = ("智能", "一体化", "国产化", "轻量化", "新一代", "云化", "高可靠", "模块化")

# Two-character brand names are drawn from these; most real firm names are built the same way.
BRAND_CHARS = (
    "云帆星瀚睿达智行恒信中科华创博远天启明德鼎新泰和卓越宏图精诚致远汇通嘉禾瑞丰百川"
    "数联芯源光启迅捷领航盛景长风知行安泰聚力融信锐思启明万维联创金桥海纳清源融通"
)
FIRM_PLACE_PREFIX = {
    "11": "北京",
    "31": "上海",
    "33": "浙江",
    "35": "福建",
    "36": "江西",
    "44": "广东",
    "32": "江苏",
}
FIRM_SUFFIXES = (("有限公司", 0.85), ("股份有限公司", 0.1), ("有限责任公司", 0.05))

# Where small firms are: mostly Zhongguancun's Beijing districts, some in the provinces the orders come from.
BEIJING_DISTRICT_WEIGHTS = {
    "110108": 40,  # 海淀区: Zhongguancun itself
    "110105": 12,  # 朝阳区
    "110114": 9,  # 昌平区
    "110115": 9,  # 大兴区 (亦庄)
    "110106": 6,  # 丰台区
    "110102": 5,  # 西城区
    "110101": 3,  # 东城区
    "110113": 4,  # 顺义区
    "110112": 4,  # 通州区
    "110107": 3,  # 石景山区
    "110109": 1,  # 门头沟区
    "110111": 2,  # 房山区
}
OTHER_PROVINCE_WEIGHTS = {"33": 5, "35": 5, "36": 3, "31": 3, "32": 2, "44": 2}
BEIJING_SHARE = 0.8

SIZE_WEIGHTS = (("micro", 40), ("small", 42), ("medium", 18))

# Incubators and service organisations: name pattern, main category, industry name (looked up by name).
PROVIDER_KINDS = (
    ("incubator", "中关村{brand}科技企业孵化器有限公司", "space", "创业空间服务", 24),
    ("incubator", "北京{brand}众创空间科技有限公司", "space", "创业空间服务", 12),
    ("incubator", "{brand}科技园孵化服务有限公司", "consulting", "科技中介服务", 10),
    ("service_org", "北京{brand}知识产权代理有限公司", "ip", "知识产权服务", 12),
    ("service_org", "北京{brand}律师事务所", "legal", "律师及相关法律服务", 8),
    ("service_org", "北京{brand}检测技术有限公司", "testing", "检测服务", 7),
    ("service_org", "北京{brand}管理咨询有限公司", "consulting", "科技中介服务", 8),
    ("service_org", "北京{brand}人力资源服务有限公司", "hr", "科技中介服务", 5),
    ("service_org", "北京{brand}品牌营销策划有限公司", "marketing", "互联网广告服务", 5),
    ("service_org", "北京{brand}技术转移中心有限公司", "tech_transfer", "科技中介服务", 4),
    ("financial", "北京{brand}创业投资管理有限公司", "financing", "创业投资基金", 4),
    ("financial", "北京{brand}科技融资担保有限公司", "financing", "创业投资基金", 1),
)  # fmt: skip

# Service packages by category: titles, a value range in yuan, a quota range.
PACKAGES = {
    "financing": (("科技型中小企业信用贷款服务包", "初创企业股权融资对接服务包", "知识产权质押融资服务包",
                   "订单融资与应收账款融资服务包"), (500_000, 5_000_000), (5, 30)),
    "ip": (("专利申请代理服务包", "商标注册与布局服务包", "软件著作权登记服务包", "知识产权贯标服务包"),
           (20_000, 200_000), (10, 100)),
    "legal": (("企业常年法律顾问服务包", "股权架构与股权激励法律服务包", "合同审查服务包"), (10_000, 100_000), (10, 60)),
    "testing": (("产品检测认证服务包", "软件测评服务包", "电磁兼容预测试服务包"), (20_000, 300_000), (5, 40)),
    "marketing": (("新产品发布与品牌推广服务包", "展会参展补贴服务包", "线上渠道推广服务包"), (20_000, 200_000), (10, 50)),
    "space": (("孵化工位免租服务包", "独立办公室租金减免服务包", "共享实验室使用服务包"), (30_000, 500_000), (5, 80)),
    "hr": (("研发人才招聘服务包", "人才公寓申请辅导服务包", "社保与薪酬代理服务包"), (10_000, 80_000), (10, 60)),
    "consulting": (("高新技术企业认定辅导服务包", "专精特新申报辅导服务包", "创业导师一对一辅导服务包",
                    "政策申报咨询服务包"), (20_000, 200_000), (10, 80)),
    "tech_transfer": (("高校科技成果对接服务包", "技术合同登记与技术交易服务包", "中试验证服务包"),
                      (50_000, 1_000_000), (3, 20)),
    "other": (("企业上云补贴服务包", "数字化转型诊断服务包"), (10_000, 100_000), (10, 50)),
}  # fmt: skip
INCUBATOR_CATEGORIES = ("space", "consulting", "financing", "hr", "tech_transfer", "marketing")

# Service demands by category: what a small firm writes, with a budget range in yuan (None: unsaid).
DEMANDS = {
    "financing": (("寻求Pre-A轮股权融资", "申请科技信贷支持研发投入", "为已签订单申请应收账款融资"), (1_000_000, 10_000_000)),
    "ip": (("申请发明专利代理", "核心产品商标注册", "软件著作权登记"), (10_000, 100_000)),
    "legal": (("设计员工股权激励方案", "重大合同法律审查", "知识产权纠纷咨询"), (10_000, 80_000)),
    "testing": (("新产品检测认证", "软件产品第三方测评", "产品电磁兼容测试"), (20_000, 200_000)),
    "marketing": (("新产品发布与推广", "参加行业展会", "拓展政企客户渠道"), (20_000, 150_000)),
    "space": (("需要研发办公空间", "需要小试实验场地", "寻找孵化器入驻"), (30_000, 300_000)),
    "hr": (("招聘研发工程师", "招聘销售与售前人员", "申请人才公寓"), (10_000, 60_000)),
    "consulting": (("高新技术企业认定辅导", "专精特新企业申报辅导", "寻找创业导师"), (10_000, 100_000)),
    "tech_transfer": (("对接高校科技成果", "寻找中试验证平台", "技术合同登记"), (50_000, 500_000)),
    "other": (("企业上云咨询", "数字化转型诊断"), (10_000, 50_000)),
}  # fmt: skip
DEMAND_CATEGORY_WEIGHTS = {
    "financing": 16, "ip": 18, "legal": 8, "testing": 9, "marketing": 10, "space": 10, "hr": 9,
    "consulting": 12, "tech_transfer": 5, "other": 3,
}  # fmt: skip

REJECTION_REASONS = (
    "描述过于简略，请补充具体内容和案例",
    "联系方式与营业执照信息不一致",
    "内容与本计划支持方向不符",
)
DECLINE_REASONS = (
    "报价超出预算",
    "交付周期无法满足",
    "资质与项目要求不符",
    "已选定其他供应商",
    "项目计划调整",
)
