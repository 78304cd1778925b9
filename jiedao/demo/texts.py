"""The demo's words: names, places and what residents, grid workers and handlers write (演示文本).

Templates use ``{road}`` ``{no}`` (a street address) or ``{estate}`` ``{bldg}`` (a residential building), and
``{shop}``, ``{hour}``, ``{money}``. Categories are keyed ``scheme/kind/code`` as in the catalogue.
"""

from __future__ import annotations

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌宇浩凯晨欣怡佳琪雪梅丹志海燕春荣德峰婷亮"
)

GENERIC_ROADS = (
    "人民路",
    "解放路",
    "建设路",
    "新华路",
    "中山路",
    "文化路",
    "和平路",
    "青年路",
    "健康路",
    "学士街",
)
ESTATE_SUFFIXES = ("新村", "花园", "小区", "苑", "公寓")
SHOPS = (
    "早餐店",
    "水果店",
    "小吃店",
    "烧烤店",
    "便利店",
    "理发店",
    "五金店",
    "面馆",
    "奶茶店",
    "洗车店",
    "电动车维修店",
    "麻辣烫店",
)
NIGHT_HOURS = ("晚上十点以后", "夜里十一点多", "凌晨一点左右", "早上六点前")

# How a day's cases arrive (来源渠道) and, per channel, what they are about (weights).
CHANNEL_MIX = {
    "grid_worker": 34,
    "12345": 26,
    "resident": 16,
    "phone": 7,
    "walk_in": 5,
    "110": 5,
    "wish_box": 7,
}
CATEGORY_MIX: dict[str, dict[str, float]] = {
    "grid_worker": {
        "gbt47678/event/09006": 12,
        "gbt47678/event/06010": 12,
        "gbt47678/event/09009": 7,
        "gbt47678/event/09010": 8,
        "gbt47678/event/06036": 7,
        "gbt47678/event/07001": 8,
        "gbt47678/event/06042": 6,
        "gbt47678/event/09005": 7,
        "gbt47678/event/06007": 3,
        "gbt47678/event/06001": 2,
        "gbt47678/event/08002": 2,
        "gbt47678/event/09012": 3,
        "gbt30428/event/0404": 2,
        "gbt30428/event/0401": 0.5,
        "gbt30428/component/0118": 3,
        "gbt30428/component/0103": 1.5,
        "gbt30428/component/0305": 2,
        "gbt30428/component/0402": 2,
        "local/hazard/L0103": 7,
        "local/hazard/L0101": 3,
        "local/hazard/L0108": 3,
        "local/hazard/L0102": 1.5,
        "local/hazard/L0107": 1,
        "local/hazard/L0106": 1,
        "local/hazard/L0105": 1,
    },
    "resident": {
        "gbt47678/event/06010": 10,
        "gbt47678/event/09006": 6,
        "gbt47678/event/09009": 8,
        "gbt47678/event/09010": 5,
        "gbt47678/event/06027": 3,
        "gbt47678/event/08001": 4,
        "gbt30428/event/0508": 5,
        "gbt30428/event/0404": 3,
        "gbt30428/event/0402": 1,
        "gbt30428/component/0118": 4,
        "gbt30428/component/0101": 2,
        "gbt30428/component/0402": 2,
        "gbt30428/component/0126": 1,
        "local/hazard/L0103": 4,
        "local/hazard/L0108": 3,
    },
    "12345": {
        "12345/request/H0102": 14,
        "12345/request/H0201": 14,
        "12345/request/H0104": 8,
        "12345/request/H0101": 9,
        "12345/request/H0601": 8,
        "12345/request/H0301": 5,
        "12345/request/H0302": 3,
        "12345/request/H0303": 2,
        "12345/request/H0202": 5,
        "12345/request/H0103": 3,
        "12345/request/H0401": 4,
        "12345/request/H0402": 3,
        "12345/request/H0403": 3,
        "12345/request/H0501": 5,
        "12345/request/H0502": 3,
        "12345/request/H0701": 6,
    },
    "110": {
        "local/dispute/L0201": 6,
        "gbt30428/event/0508": 4,
        "gbt47678/event/09009": 3,
        "gbt30428/event/0510": 2,
        "gbt30428/event/0509": 1,
    },
    "phone": {
        "gbt47678/event/06010": 3,
        "gbt30428/event/0404": 3,
        "local/dispute/L0201": 3,
        "gbt30428/component/0118": 2,
        "gbt30428/event/0403": 0.5,
        "local/hazard/L0103": 2,
    },
    "walk_in": {
        "local/dispute/L0201": 6,
        "local/dispute/L0202": 2,
        "local/dispute/L0203": 1,
        "local/dispute/L0204": 2,
    },
    "wish_box": {
        "local/wish/L0301": 4,
        "local/wish/L0302": 2,
        "local/wish/L0303": 3,
        "local/wish/L0304": 2,
    },
}
# Categories that are usually urgent (紧急), with the share that is.
URGENT_SHARE = {
    "gbt30428/event/0401": 0.8,
    "gbt30428/event/0402": 0.8,
    "gbt30428/event/0403": 1.0,
    "gbt47678/event/09012": 0.3,
    "gbt30428/component/0103": 0.3,
}

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "gbt47678/event/09006": (
        "{road}{no}号门口有流动摊贩占用人行道卖水果，行人只能绕到机动车道上走。",
        "{estate}北门外每天早上有人摆摊卖菜，占道经营，地上菜叶垃圾较多。",
        "{road}人行道上有小吃摊占道经营，油烟大，影响通行。",
    ),
    "gbt47678/event/06010": (
        "{estate}{bldg}幢楼下堆放生活垃圾无人清运，已有异味。",
        "{road}{no}号附近绿化带旁有暴露垃圾，塑料袋、饭盒散落一地。",
        "{road}公交站台旁垃圾散落，影响市容。",
    ),
    "gbt47678/event/09009": (
        "{road}{no}号门口有机动车违停占用人行道。",
        "{estate}门口有小汽车横停堵住出入口，居民进出困难。",
        "{road}非机动车道上停放多辆轿车，电动车只能驶入机动车道。",
    ),
    "gbt47678/event/09010": (
        "{road}地铁口共享单车堆积，占用盲道。",
        "{road}{no}号商铺门前电动车乱停乱放，堵塞人行道。",
    ),
    "gbt47678/event/06036": (
        "{road}{no}号门前堆放建筑材料和杂物，占用人行道。",
        "{estate}{bldg}幢旁公共场地堆放废旧家具、纸板，长期无人清理。",
    ),
    "gbt47678/event/07001": (
        "{estate}{bldg}幢单元门和楼道墙面贴满开锁、通下水道小广告。",
        "{road}电线杆和配电箱上被喷涂办证小广告。",
    ),
    "gbt47678/event/06042": (
        "{estate}垃圾分类投放点垃圾桶满溢，周边散落垃圾未及时清运。",
        "{road}{no}号旁垃圾箱已满，垃圾溢出到路面。",
    ),
    "gbt47678/event/09005": (
        "{road}{no}号{shop}把桌椅摆到店外人行道上经营。",
        "{road}{no}号{shop}在门外设摊，占用人行道。",
    ),
    "gbt47678/event/06007": ("{road}{no}号沿街住户在护栏和行道树上晾晒衣被，影响市容。",),
    "gbt47678/event/06001": (
        "{estate}{bldg}幢一楼住户在公共绿地上搭建彩钢板棚。",
        "{estate}{bldg}幢顶楼疑似正在违规加盖房屋。",
    ),
    "gbt47678/event/08002": ("{road}{no}号附近施工围挡占用半幅车道，未设置警示标志。",),
    "gbt47678/event/08001": ("{road}{no}号工地{hour}仍在施工，噪声很大，影响周边居民休息。",),
    "gbt47678/event/06027": ("{road}{no}号{shop}油烟直排，楼上居民无法开窗。",),
    "gbt47678/event/09012": (
        "{estate}{bldg}幢旁消防通道被私家车占用，消防车无法通行。",
        "{estate}消防通道上停放多辆电动车和三轮车。",
    ),
    "gbt30428/event/0401": ("{road}{no}号门前路面出现塌陷坑洞，直径约一米，已有车辆险些掉入。",),
    "gbt30428/event/0402": ("{road}{no}号附近地下自来水管破裂，大量清水冒出路面。",),
    "gbt30428/event/0403": ("{estate}{bldg}幢外墙燃气管道处有明显燃气味，疑似泄漏。",),
    "gbt30428/event/0404": (
        "{estate}{bldg}幢门前窨井堵塞，污水外溢。",
        "{road}{no}号路段雨后积水严重，雨水口堵塞。",
    ),
    "gbt30428/event/0508": (
        "{road}{no}号{shop}门口大音量播放音乐招揽顾客，噪声扰民。",
        "{estate}广场舞音响音量过大，{hour}仍未结束。",
    ),
    "gbt30428/event/0509": ("{road}地铁站出口有黑车司机拉客，扰乱秩序。",),
    "gbt30428/event/0510": ("{road}{no}号{shop}夜间在店外露天烧烤，烟雾很大。",),
    "gbt30428/component/0101": ("{road}{no}号人行道上水井盖破损松动，踩上去会翻动。",),
    "gbt30428/component/0103": ("{road}{no}号雨水井盖缺失，只用一个塑料筐盖着，非常危险。",),
    "gbt30428/component/0118": (
        "{road}{no}号附近路灯不亮，晚上一片漆黑。",
        "{estate}内两盏路灯损坏，夜间出行不便。",
    ),
    "gbt30428/component/0126": ("{estate}健身器材扶手断裂，老人锻炼存在安全隐患。",),
    "gbt30428/component/0305": ("{road}公交站旁的果皮箱破损，垃圾散落。",),
    "gbt30428/component/0402": (
        "{road}{no}号门前行道树倾斜，树枝压到电线。",
        "{road}行道树枝叶遮挡红绿灯，影响通行安全。",
    ),
    "12345/request/H0101": ("来电人反映{road}沿街店招破损、墙面小广告多，影响市容，希望尽快整治。",),
    "12345/request/H0102": (
        "市民来电反映：{estate}{bldg}幢楼上住户{hour}有拖拽家具声、跺脚声，多次沟通无果，请求处理。",
        "来电人反映{road}{no}号{shop}夜间营业音乐声过大，影响休息。",
    ),
    "12345/request/H0103": ("来电人举报{estate}{bldg}幢一楼住户私自扩建院子，占用公共绿地。",),
    "12345/request/H0104": ("市民反映{road}{no}号附近每天傍晚有大量摊贩占道经营，造成交通拥堵，请求整治。",),
    "12345/request/H0201": (
        "市民来电反映：{estate}{bldg}幢楼道照明损坏，向物业反映多次无人维修。",
        "来电人反映{estate}{bldg}幢电梯经常故障停运，物业维修不及时，老人出行困难。",
        "来电人反映{estate}物业收费后保洁不到位，垃圾清运不及时。",
    ),
    "12345/request/H0202": (
        "来电人反映{estate}{bldg}幢外墙瓷砖脱落，存在高空坠物风险。",
        "市民反映{estate}{bldg}幢楼顶漏水，家中天花板发霉。",
    ),
    "12345/request/H0301": (
        "来电人反映{estate}{bldg}幢自来水水压低，高楼层早晚用水困难。",
        "市民反映{estate}停水已超过半天，未见停水通知。",
    ),
    "12345/request/H0302": ("来电人反映{estate}{bldg}幢近期频繁停电，影响生活。",),
    "12345/request/H0303": ("来电人反映{estate}{bldg}幢楼道燃气表箱锈蚀严重，担心安全。",),
    "12345/request/H0401": ("来电人反映在{road}{no}号某餐饮店工作，被拖欠两个月工资约{money}元，请求协调。",),
    "12345/request/H0402": ("来电人家中老人重病，经济困难，咨询低保和临时救助的申请条件。",),
    "12345/request/H0403": (
        "来电人咨询社区老年助餐服务的报名方式和收费标准。",
        "来电人反映{estate}{bldg}幢独居老人无人照料，希望社区上门探望。",
    ),
    "12345/request/H0501": ("来电人反映在{road}{no}号{shop}办理预付卡后商家关门，余额约{money}元无法退还。",),
    "12345/request/H0502": ("市民反映{road}{no}号{shop}后厨卫生差，购买的熟食有异味。",),
    "12345/request/H0601": (
        "市民来电反映：{estate}周边停车难，外来车辆长期占用小区门口道路，请求规范停车秩序。",
    ),
    "12345/request/H0701": (
        "来电人咨询新生儿医保参保办理流程。",
        "来电人咨询老旧小区加装电梯的补贴政策和申请流程。",
        "来电人咨询居住证办理需要的材料。",
    ),
    "local/hazard/L0101": (
        "{road}{no}号{shop}灭火器过期，疏散通道堆放货物。",
        "{estate}{bldg}幢消火栓箱内水带缺失。",
    ),
    "local/hazard/L0102": (
        "{road}{no}号{shop}液化气钢瓶与灶具距离过近，未安装燃气报警器。",
        "{road}{no}号{shop}使用的燃气软管已老化开裂。",
    ),
    "local/hazard/L0103": (
        "{estate}{bldg}幢楼道内有居民私拉电线给电动车充电。",
        "{estate}{bldg}幢单元门厅停放电动车并飞线充电，存在火灾隐患。",
    ),
    "local/hazard/L0104": ("{estate}{bldg}幢阳台混凝土剥落，钢筋外露。",),
    "local/hazard/L0105": ("{road}{no}号沿街商铺电线老化裸露，存在触电隐患。",),
    "local/hazard/L0106": ("{estate}{bldg}幢群租房隔断过多，租住人员多，逃生通道不畅。",),
    "local/hazard/L0107": ("{road}{no}号{shop}住人与经营、仓储混在一起，属“三合一”场所。",),
    "local/hazard/L0108": ("{estate}{bldg}幢消防通道被杂物和电动车堵塞。",),
    "local/dispute/L0201": (
        "{estate}{bldg}幢两户邻居因楼道堆放杂物发生口角，请求社区调解。",
        "{estate}{bldg}幢楼上楼下因空调外机噪音和滴水问题产生矛盾。",
        "{estate}{bldg}幢上下楼邻居因漏水问题发生争执，民警已到场劝解，需社区后续调解。",
    ),
    "local/dispute/L0202": ("{road}{no}号商铺租赁合同纠纷，涉及金额约{money}元，双方协商未果。",),
    "local/dispute/L0203": ("{estate}多名业主因屋面漏水维修费用分摊问题与开发商发生纠纷。",),
    "local/dispute/L0204": ("来访人反映其房屋征收补偿问题，要求重新评估。",),
    "local/wish/L0301": (
        "{estate}{bldg}幢独居老人希望有人帮忙更换家里坏掉的灯泡和水龙头。",
        "{estate}{bldg}幢八旬老人希望得到一台助行器。",
    ),
    "local/wish/L0302": (
        "{estate}{bldg}幢困境儿童希望得到一套课外读物和文具。",
        "{estate}{bldg}幢一名初二学生希望有志愿者辅导数学作业。",
    ),
    "local/wish/L0303": (
        "{estate}{bldg}幢独居老人希望志愿者每周上门陪聊一次。",
        "{estate}{bldg}幢老人希望有人陪同去医院复诊。",
    ),
    "local/wish/L0304": (
        "居民希望在{estate}{bldg}幢门口加装扶手，方便老人上下台阶。",
        "希望在{estate}小游园增设几张休闲座椅。",
    ),
}

# What the handling unit reports back (处置反馈), by the unit's specialty, then by kind of case.
HANDLE_NOTES: dict[str, tuple[str, ...]] = {
    "环卫": ("已安排保洁人员清运，现场已清理干净。", "环卫作业班组已清运垃圾并冲洗地面。"),
    "城管": ("执法队员已到场，责令当事人立即整改，现场已恢复。", "已对商户教育劝导并督促整改，现场已规范。"),
    "派出所": ("民警已到场联系车主挪车，现场已恢复通行。", "已对违法行为人批评教育，现场秩序已恢复。"),
    "市政": ("养护人员已到场抢修，设施已恢复正常。", "已更换破损设施，设置警示后恢复通行。"),
    "绿化": ("已修剪树枝并清理现场。", "已扶正并加固行道树。"),
    "消防": ("消防救援站已上门检查，督促整改完毕。", "已清理消防通道并张贴警示标识。"),
    "市场监管": ("已约谈商家，督促整改并告知消费者维权途径。", "已现场检查，责令商户限期整改。"),
    "住建": ("已组织专业人员现场查勘，完成维修加固。", "已督促产权单位维修，隐患已消除。"),
    "物业": ("物业已安排维修人员处理完毕。", "物业已清理楼道杂物并拆除飞线。"),
    "供电": ("供电公司已派员检修线路，恢复正常供电。",),
    "燃气": ("燃气公司已上门检查，更换老化软管和表箱。",),
    "dispute": ("已组织双方调解，达成一致意见并签订调解协议。", "社区调解员多次上门沟通，双方已和解。"),
    "wish": ("志愿者已认领并完成心愿，居民表示感谢。", "社区联系共建单位认领，心愿已实现。"),
    "consult": ("已电话答复来电人，告知办理流程和所需材料。",),
    "": ("社区工作人员已上门处理，问题已解决。", "已协调相关部门联合处置完毕。"),
}
VOID_REASONS = (
    "经现场核实，未发现所反映的问题。",
    "来电人撤回诉求。",
    "不属于本街道辖区，已告知来电人向属地反映。",
    "重复上报，已有案件在办理中。",
)
RETURN_NOTES = {
    "not_our_duty": ("该问题不属于本单位职责范围，请重新派遣。", "经核实，此事项应由其他职能部门处理。"),
    "not_our_area": ("该地址不在本社区辖区内，请重新派遣。",),
}
ESCALATE_NOTES = ("涉及多个部门，本单位无法独立解决，申请联动处置。", "需要执法力量介入，申请上级协调。")
EXTENSION_REASONS = ("需采购材料，维修周期较长。", "涉及多方协调，需要更多时间。", "近期连续降雨，无法施工。")
DENY_NOTES = ("延期理由不充分，请按原时限办结。",)
SUSPEND_REASONS = (
    "连续降雨，无法施工，待天气好转后处置。",
    "需等待产权单位确认责任。",
    "当事人住院，暂无法调解。",
)
RESUME_NOTES = ("条件已具备，恢复办理。",)
URGE_NOTES = ("请尽快处置并反馈。", "诉求人再次来电催问，请加快办理。")
SUPERVISE_NOTES = ("该案件群众反映强烈，请加快办理并按时反馈。",)
REWORK_NOTES = ("现场核查问题仍未解决，请重新处置。", "照片与现场不符，仍有残留，请返工。")
VERIFY_NOTES = ("现场核查，问题已解决。", "电话回访，诉求人确认已解决。")
MERGE_NOTE = "与案件 {number} 反映同一问题，并案处理。"
REOPEN_NOTES = ("诉求人对处理结果不满意，要求重新办理。",)
EVALUATION_NOTES = {
    "satisfied": ("处理很及时，满意。", "", "工作人员态度好，问题解决了。"),
    "basic": ("基本解决，希望加强日常巡查。", ""),
    "unsatisfied": ("问题反复出现，没有根本解决。",),
}
