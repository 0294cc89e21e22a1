"""The defaults of domain.md: departments, categories, routing and deadline policies."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Category, DeadlinePolicy, Department, RoutingRule, StandardAnswer
from ticketing.services.deadlines import DEFAULT_POLICIES

DEPARTMENTS = [
    ("DYBZ", "待遇保障科"), ("CBZJ", "参保征缴科"), ("YDJS", "异地就医结算中心"), ("YLJZ", "医疗救助科"),
    ("XXZX", "信息中心"), ("YYJG", "医药价格和招标采购科"), ("YYFW", "医药服务管理科"), ("JJJG", "基金监管科"),
    ("CHJB", "长护险经办科"), ("BGS", "办公室"), ("RXZX", "12393热线中心"),
]
# county bureaus that receive their county's tickets by routing rule
COUNTY_BUREAUS = [("SHQ", "赛罕区医疗保障局", "赛罕区"), ("TMTZ", "土默特左旗医疗保障局", "土默特左旗")]

CATEGORIES = [
    ("CB", "参保缴费", "CBZJ", "参保登记、缴费、断缴补缴、关系转移接续、参保凭证"),
    ("DY", "待遇报销", "DYBZ", "住院门诊报销、起付线、报销比例、封顶线、大病保险、手工报销"),
    ("MT", "门诊慢特病", "DYBZ", "门诊慢特病认定、两病用药、双通道药品"),
    ("YD", "异地就医", "YDJS", "异地就医备案、直接结算、跨省就医"),
    ("SY", "生育保险", "DYBZ", "生育津贴、生育医疗费用"),
    ("JZ", "医疗救助", "YLJZ", "医疗救助、特困低保返贫监测对象"),
    ("ZH", "个人账户", "DYBZ", "个人账户余额、家庭共济、门诊共济"),
    ("PZ", "医保电子凭证与信息系统", "XXZX", "医保码、电子凭证、APP 和小程序故障、信息错误"),
    ("JG", "药品价格与集采", "YYJG", "药品和医疗服务价格、集中带量采购、医保目录"),
    ("DD", "定点医药机构", "YYFW", "定点医院药店拒刷医保卡、协议管理、申请定点"),
    ("JJ", "欺诈骗保举报", "JJJG", "虚假住院、挂床、冒用医保卡、串换药品"),
    ("CH", "长期护理保险", "CHJB", "长期护理保险、失能评估、护理费用"),
    ("FW", "经办服务", "BGS", "服务态度、窗口服务、办事效率"),
    ("QT", "其他", "RXZX", "非医保事项：养老、就业等，转出办理"),
]


# 标准答复口径: general wording that holds everywhere; a centre replaces them with its own local rules
STANDARD_ANSWERS = [
    ("YD", "异地就医备案渠道",
     "您可以通过国家医保服务平台APP、国家异地就医备案小程序或参保地医保经办窗口办理异地就医备案。"
     "备案后到备案地的联网定点医疗机构就医，可以直接结算；具体报销比例按参保地政策执行。"),
    ("YD", "未备案的异地就医",
     "未办理备案的异地就医费用，可以先行垫付，出院后持发票、费用清单、出院小结等材料到参保地医保经办机构申请手工报销，"
     "报销比例按参保地对未备案人员的规定执行。"),
    ("CB", "断缴后补缴",
     "城乡居民医保一般在集中征缴期缴费，职工医保中断后可由单位或个人按规定补缴。补缴后的待遇享受时间按参保地规定执行，"
     "请携带身份证到参保地医保经办窗口或通过税务缴费渠道办理。"),
    ("CB", "参保凭证打印",
     "参保凭证可以通过国家医保服务平台APP、当地政务服务网站或医保经办窗口打印，打印时需提供身份证号。"),
    ("DY", "住院报销的起付线和比例",
     "住院费用在起付线以上、最高支付限额以内的合规部分按比例报销，起付线和报销比例因医院等级和参保类别而不同，"
     "具体以参保地当年政策为准。出院时在定点医院直接结算，无需另行申请。"),
    ("MT", "门诊慢特病认定",
     "门诊慢特病需要先申请认定：携带近期诊断证明、检查报告等病历材料，到定点医疗机构或医保经办机构申请，"
     "认定通过后在门诊就医时按慢特病政策结算。"),
    ("SY", "生育津贴申领",
     "生育津贴一般由用人单位在职工生育后按规定时限向参保地医保经办机构申领，所需材料包括出生医学证明、住院病历等，"
     "津贴发放给用人单位后由单位支付给职工。"),
    ("PZ", "医保电子凭证激活",
     "医保电子凭证可以在国家医保服务平台APP、微信或支付宝中搜索“医保电子凭证”激活，激活时需本人实名认证。"
     "如提示信息不一致，请到参保地医保经办窗口核对个人信息。"),
    ("ZH", "家庭共济",
     "职工医保个人账户可以通过家庭共济为配偶、父母、子女支付在定点医药机构发生的个人负担的医疗费用，"
     "可在国家医保服务平台APP或经办窗口办理共济绑定。"),
]


def ensure_reference_data(session: Session) -> dict[str, int]:
    """Create what is missing; never overwrite what an administrator changed. Returns counts created."""
    created = {"departments": 0, "categories": 0, "routing_rules": 0, "deadline_policies": 0, "standard_answers": 0}
    departments = {d.code: d for d in session.scalars(sa.select(Department))}
    bureau = departments.get("RXZX")
    for code, name in DEPARTMENTS:
        if code not in departments:
            departments[code] = Department(code=code, name=name)
            session.add(departments[code])
            created["departments"] += 1
    session.flush()
    for code, name, region in COUNTY_BUREAUS:
        if code not in departments:
            departments[code] = Department(code=code, name=name, region=region, parent=bureau)
            session.add(departments[code])
            created["departments"] += 1
    session.flush()
    categories = {c.code: c for c in session.scalars(sa.select(Category))}
    for code, name, department_code, description in CATEGORIES:
        if code not in categories:
            categories[code] = Category(code=code, name=name, description=description,
                                        default_department=departments[department_code])
            session.add(categories[code])
            created["categories"] += 1
    session.flush()
    if session.scalar(sa.select(sa.func.count()).select_from(RoutingRule)) == 0:
        for code, name, region in COUNTY_BUREAUS:
            session.add(RoutingRule(name=f"{region}的非举报事项由{name}办理", priority=50, region=region,
                                    department=departments[code]))
            created["routing_rules"] += 1
        # fraud reports stay with the fund supervision section even from a county
        session.add(RoutingRule(name="欺诈骗保举报一律由基金监管科办理", priority=90, category=categories["JJ"],
                                department=departments["JJJG"]))
        created["routing_rules"] += 1
    if session.scalar(sa.select(sa.func.count()).select_from(DeadlinePolicy)) == 0:
        for row in DEFAULT_POLICIES:
            session.add(DeadlinePolicy(
                ticket_type=row["ticket_type"], urgency=row["urgency"], channel=row["channel"],
                accept_amount=row["accept_amount"], accept_unit=str(row["accept_unit"]),
                reply_amount=row["reply_amount"], reply_unit=str(row["reply_unit"]),
                max_extension_days=row.get("max_extension_days"),
            ))
            created["deadline_policies"] += 1
    if session.scalar(sa.select(sa.func.count()).select_from(StandardAnswer)) == 0:
        for code, title, content in STANDARD_ANSWERS:
            session.add(StandardAnswer(category=categories[code], title=title, content=content))
            created["standard_answers"] += 1
    session.flush()
    return created
