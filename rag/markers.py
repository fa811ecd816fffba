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

# A table row as the loaders write it (rag.load.tables.format_row): cells joined by ；, each named by its column
# header, 项目：研发费用补助；标准：按上年度研发投入的10%；金额：最高50万元. A row is a line with at least two cells
# that start with such a name (short, no punctuation), the first and most of them named (rag.sentences.is_table_row);
# clean keeps it on a line of its own, the chunker keeps it whole, the answer quotes it whole.
TABLE_CELL_JOIN = "；"
TABLE_CELL_NAME = r"[^，。、；！？：:\n]{1,20}："

# ---------------------------------------------------------------------------------------------------------
# Page furniture and sentence ends (rag.clean drops page-number lines; rag.load.furniture drops repeated
# headers/footers and rejoins a paragraph across a page break: one table for both)
# ---------------------------------------------------------------------------------------------------------

# Page-number lines, each matched against a whole stripped line.
PAGE_NUMBER: tuple[str, ...] = (
    # - 3 -, — 3 —, －3－, ~3~: a number framed by dashes (the usual footer of Chinese government PDFs).
    r"^[-—–－~·•]+ *\d{1,4} *[-—–－~·•]+$",
    # 第 3 页, 第3页 共10页, 第3页/共10页
    r"^第 *\d{1,4} *页(?: *[,，/／]? *共 *\d{1,4} *页)?$",
    # 共10页 第3页
    r"^共 *\d{1,4} *页 *[,，/／]? *第 *\d{1,4} *页$",
    # 3/10, 3 / 10
    r"^\d{1,4} *[/／] *\d{1,4}$",
    # Page 3, page 3 of 10 (match case-insensitively)
    r"^(?i:page) *\d{1,4}(?: *(?i:of|/) *\d{1,4})?$",
)
# Sentence/clause-final punctuation, optionally followed by closing quotes/brackets (。” ）): a line that
# ends with it is complete.
TERMINAL_END = r"(?:[。！？；：!?;:]|(?<=[A-Za-z])\.)[”’」』）)】〕》〉\"']*$"


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

# ---------------------------------------------------------------------------------------------------------
# Questions: what a question asks for (rag.intents composes these). Document facts are about the document
# itself (哪天发的 / 文号 / 谁签发), never about a figure inside it (补贴什么时候发放 is a fact question).
# ---------------------------------------------------------------------------------------------------------

ASK_PHONE = r"电话|联系方式|手机号|座机"
# A service line asked for (咨询电话 / 举报电话 / 热线) is in the text, not the document's contact note.
ASK_SERVICE_LINE = r"咨询|举报|投诉|热线|服务电话|报名|预约|求助|办理|受理"
ASK_CONTACT_WORD = r"联系人"
ASK_CONTACT = r"联系人|找谁联系|和谁联系|跟谁联系|联系谁"
ASK_SIGNER = r"签发|签批"
ASK_PROPOSER = (
    r"谁提(?:的|出)?|提案人|建议人|提出人|哪位(?:委员|代表)|哪个(?:委员|代表)|(?:委员|代表)是谁|谁的(?:提案|建议)"
    r"|(?:提案|建议)(?:是)?(?:由)?谁"
)
ASK_PROPOSAL = (
    r"答复的?是?(?:哪|什么)(?:个|件|一)?(?:提案|建议|议案)|(?:是|答复|回复|针对)哪(?:个|件|一)(?:提案|建议|议案)"
    r"|什么(?:提案|建议|议案)|(?:提案|建议|议案)的?(?:题目|标题|名称|名字)|(?:提案|建议|议案)(?:编)?号是(?:多少|什么)"
    r"|(?:建议|提)(?:了)?(?:些)?什么|(?:提案|建议)(?:的)?内容是什么"
)
ASK_DOC_NUMBER = r"文号|发文字号|发文号"
ASK_PRINT_DATE = r"印发(?:日期|时间)|(?:哪天|何时|什么时候|哪一天)印发"
ASK_PRINT_OFFICE = r"(?:哪个|哪家|什么)(?:单位|部门|机关|机构)印发|印发(?:单位|机关|部门)|由(?:哪|谁)(?:个)?(?:单位|部门|机关)?印发"
ASK_DATE = (
    r"(?:哪天|哪一天|什么时候|何时|哪年|几月几[日号]|什么日期|什么时间)(?:.{0,2})"
    r"(?:发|印发|出台|发布|签发|下发|答复|回复|成文|公布|出的)(?![放生展现])"
    r"|(?:发文|成文|落款|发布|答复|出台|签发)(?:的)?(?:日期|时间)"
    r"|(?:答复|复函|通知|文件|函|意见|决定|批复|办法|答复函)(?:是|的日期是)?(?:哪一天|哪天|什么时候|何时|什么日期)[的？?]*$"
)
ASK_CC = r"抄送"
ASK_ADDRESSEE = (
    r"主送|发给(?:谁|哪)|致送|(?:写|回|答复|复函)给(?:谁|哪)|收文(?:单位|机关)|(?:回复|答复|复函|函复)(?:的是)?(?:谁|哪位)"
)
ASK_ISSUER = (
    r"发文机关|发文单位|发文部门|(?:哪个|哪家|什么|哪[两几]个)(?:部门|单位|机关|机构)(?:联合)?(?:发(?!放)|发布|出台|制定|答复|回复|批复)"
    r"|谁(?:发|发布|出台|答复|回复|批复)的|由(?:哪|谁)(?:个)?(?:部门|单位|机关)?(?:发(?!放)|发布|答复|批复)"
    r"|(?:是)?哪个(?:部门|单位|机关)的(?:文件|答复|复函)"
)
# An ordinal part of a document (第四个方面具体说了什么？): that section, whole.
ASK_SECTION = rf"第([{CN_NUM}\d]{{1,3}})(?:个)?(?:方面|部分|点|项|条|大项)"
ASK_OUTLINE = (
    r"怎么答复|如何答复|怎样答复|怎么回复|如何回复|怎样回复|怎么复函|如何复函|答复(?:了)?(?:些)?什么|答复内容|回复(?:了)?什么|主要内容|讲了(?:什么|哪些|哪几|些什么)"
    r"|说了(?:什么|哪些|些什么)|哪几个方面|几个方面|办理情况|主要(?:讲|说|写)|概括|概要|要点|内容是什么|写了什么"
    r"|有哪些内容|哪几个部分"
)
# A list question about a whole document that it names (…的通知有哪些要求？ / 国发〔2018〕38号有哪些措施？) asks for
# its outline: its parts, not the items of one section.
ASK_WHOLE_DOC = (
    r"(?:通知|意见|措施|办法|决定|方案|规定|细则|通告|公告|令|复函|答复函|批复|提示)(?:第\d+号)?[）)》]?"
    r"(?:中|里)?(?:都)?(?:提出|作出|包括|规定|明确|实行|提|有|要求|讲)(?:了)?(?:哪些|哪几|哪五|哪四|哪三|哪六|什么)"
)
# …the nouns such a list question asks for: the document's parts (哪些部门 asks for something else).
ASK_PARTS_NOUN = (
    rf"(?:哪些|哪几|哪[{CN_NUM}]|什么)(?:个|项|条|点)?(?:方面|部分|措施|要求|内容|事项|政策|意见|决定|任务|制度|工作|举措|规定|点|条)"
)
ASK_PROCEDURE = (
    r"怎么申请|如何申请|怎样申请|怎么办理|如何办理|怎样办理|怎么办(?!法)|到哪|去哪|在哪(?:里|儿)?(?:办|申请|申报|领取|咨询|登记|提交|报名)"
    r"|找哪|需要(?:什么|哪些|提供|准备|提交|带)(?:材料|资料|手续|证明|证件)?|什么材料|哪些材料|申请材料|申报材料"
    r"|流程|程序|步骤|渠道|途径|怎么报名|如何报名|如何申报|怎么申报|申报方式|办理方式|怎么领|如何领取|怎么预约|如何预约"
    r"|怎么(?:操作|登记|缴|交|办)|如何(?:操作|登记|缴|交|参与|获得|享受)|咨询"
)
ASK_LIST = (
    r"哪些|有什么|都有啥|有啥|哪几|哪[两三四五六七八九十]|几方面|几项|几条|什么措施|什么支持|什么政策|什么举措|什么要求"
    r"|什么条件|什么规定|什么服务|什么保障|什么工作|什么办法|措施有|包括|列举|分别"
)
# Short facts, by the kind of figure asked for (first match wins: money before a generic 多少).
ASK_FACT: tuple[tuple[str, str], ...] = (
    ("money", r"多少钱|多少资金|金额|(?:补贴|补助|奖励|资助|贷款|奖补|支持|扶持)(?:了)?多少(?![家户个项人次名批所条])"
              r"|最高(?:可)?(?:达)?多少|多少元|多少万"
              r"|额度|标准是多少|什么标准|补贴标准|补助标准"),
    ("ratio", r"比例|百分之|多少%|几成|减免多少|占比|强度|降低多少|下调多少"),
    ("time", r"什么时候|何时|哪天|截止|期限|有效期|多长时间|多久|几号|什么时间|哪一天|哪年|几月|日期"),
    ("place", r"哪些(?:地方|地区|城市|旗|县|区|省|市)|哪里|什么地方|哪个(?:地方|城市|地区|省|市)|在哪"),
    ("name", r"谁|哪位|哪家|哪个(?:单位|部门|企业|机构|公司)|什么(?:单位|部门|机构)"),
    ("count", r"多少|几(?:家|个|项|人|次|名|户|批|所|条|期|天|年|月|种|类)"),
)
# What a sentence must hold to answer a fact question of each kind (多少钱 → an amount of money …), and the
# words of a sentence that tells how to do something (怎么申请 → the office, channel, materials, phone).
FIGURE: dict[str, str] = {
    "money": rf"\d[\d.,]*\s*(?:万|亿|千)?元|[{CN_NUM}千万亿]+(?:万|亿)?元",
    "ratio": r"\d+(?:\.\d+)?\s*[%％]|百分之|减半|[一二三四五六七八九]成|折",
    "time": r"\d{1,2}月\d{1,2}日|\d{4}年|\d{1,2}月(?:底|末|中旬|上旬|下旬)|截止|之前|以前|起至|期限|个月|天内|工作日|日起",
    "count": r"\d+(?:\.\d+)?\s*(?:万|亿)?(?:家|个|项|人|次|名|户|批|所|条|期|台|套|种|类|天|年|元|吨|亩|平方米)",
    "place": r"[\u4e00-\u9fff]{1,8}(?:省|市|区|县|旗|镇|街道|乡|村)",
    "name": r"[\u4e00-\u9fff]{2,12}(?:局|委|厅|办|中心|部|院|公司|银行|协会|政府)",
    "phone": PHONE,
    "docnum": r"[〔\[［（(【〖](?:19|20)\d{2}[〕\]］）)】〗]\d{1,5}号",
}
PROCEDURE_CUE = (
    r"拨打|电话|热线|咨询|网站|网址|平台|APP|App|app|小程序|公众号|窗口|大厅|登录|提交|材料|申请表|办理|受理"
    r"|线上|网上|邮箱|地址|预约|申报|填写|上传|扫码|携带|证明|复印件|营业执照|身份证"
)

# Everyday questions the assistant does not answer from policy documents (天气 / 笑话 / 菜谱 / 股票 …), unless
# the question is also about policy (疫情期间雨雪天气户外执勤有什么保障政策？ is a policy question).
OFF_TOPIC = (
    r"天气|气温|下雨|下雪|刮风|温度多少|笑话|段子|脑筋急转弯|菜谱|食谱|怎么做(?:菜|饭|才好吃)|好吃|怎么煮|怎么炒|做法"
    r"|股票|炒股|基金推荐|彩票|星座|运势|算命|翻译|英语怎么说|用英语|日语|韩语|写(?:一首|首|一篇|篇|个)?(?:诗|代码|程序|小说|作文)"
    r"|代码|编程|Python|Java|电影|电视剧|综艺|歌曲|专辑|明星|演唱会|球赛|比分|欧冠|NBA|世界杯|游戏|攻略|景点|好玩"
    r"|礼物|减肥|健身|跑步|恋爱|男朋友|女朋友|宠物|猫粮|狗粮|狗狗|猫咪|你是谁|你叫什么|你好|在吗|讲个故事|聊聊天|课外书"
    r"|手机哪个好|拍照|高铁要坐|月球|最高的山|吉他|钢琴|雅思|托福|聊天记录|保养"
)
POLICY_WORDS = (
    r"政策|补贴|补助|奖励|扶持|企业|疫情|防控|防疫|申请|申报|办理|通知|文件|提案|建议|议案|答复|政府|部门|税|社保|社会保险"
    r"|公积金|贷款|融资|减免|复工|复产|隔离|规定|措施|办法|条例|资金|审批|许可|登记|执法|补偿|救助|医保|就业|招聘|用工"
)
# Places a question may name that every document is about, or none: never a reason to refuse.
GENERIC_PLACES = frozenset(
    "中国 全国 我国 国内 国外 境外 海外 本市 我市 全市 全省 本省 各地 地方 城市 农村 社区 城乡 省 市 区 县 全区".split()
)
PLACE_SUFFIX = r"(?:特别行政区|自治区|自治州|自治县|地区|新区|省|市|区|县|旗|盟|州|镇|乡|村)$"
# The place an organ's name starts with: 北京市人民政府 → 北京市, 山东省财政厅 → 山东省.
ORGAN_PLACE = r"^([\u4e00-\u9fff]{2,8}?(?:自治区|省|市|区|县|旗|盟|州))[\u4e00-\u9fff]{2,}"

# A signature in running text (news-style documents lost the line breaks of their signature block): an
# organ's name followed at once by a full date (绍兴市住房公积金管理中心2020年2月21日).
ORGAN_END = r"(?:政府|办公厅|办公室|委员会|指挥部|领导小组|小组|机制|中心|公司|集团|银行|协会|法院|检察院|总局|局|厅|委|院|署|办|会)"
SIGNED_DATE = ORGAN_END + r"\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)(?!\s*[起至到前后])"

# What a reply letter promises (市政府下一步打算怎么做？): its 下一步 / 今后 part.
ASK_NEXT = r"下一步|下步|今后|接下来|打算怎么|计划怎么|后续(?:工作|打算|安排)"
NEXT_STEPS = r"下一步|下步|今后|下阶段"

# Words of an outline question that say nothing about a topic (…的提案是怎么答复的？): any other word left
# after the document's own name and identity makes it a question about one topic of the document.
OUTLINE_WORDS = frozenset(
    "答复 回复 复函 函复 主要 内容 方面 部分 提案 建议 议案 委员 代表 政协 人大 全国 会议 办理 情况 讲 说 怎么 如何 怎样 文件"
    " 通知 意见 指导意见 政府 国务院 国务院办公厅 办公厅 提 提出 要求 措施 哪些 哪几 几个 什么 具体 一下 介绍 概括"
    " 问题 决定 部署 工作 事项 政策 办法 规定 市政府 省政府 区政府 县政府 人民政府 部门 单位 领导 同志 方案 内容".split()
)

# An enterprise introducing itself (我们是一家科技型中小企业，…): who asks, not what is asked about. The
# answerer scores sentences against the rest of the question.
SELF_INTRO = r"^(?:我们|我|本公司|本企业|我司|我单位|我公司)(?:是|属于|作为)(?:一家|一个|一名)?[^，,。？?]{0,30}[，,]\s*"

# ---------------------------------------------------------------------------------------------------------
# Support measures (rag.amounts, rag.measures, rag.validity): what a body grants, to whom, how much, until when
# ---------------------------------------------------------------------------------------------------------

# A bound written before an amount: 最高500万元, 不超过10万元, 最多, 上限为, 单户最高, 每户最高 (the unit is AMOUNT_PER).
AMOUNT_CAP = r"最高(?:不超过|可贷|可获得?|可享受|可申请|可达到?|达到?|为|可给予|可补贴|补贴|补助|奖励|给予|支持)?|不超过|不高于|最多|上限(?:为)?|封顶"
# A grant per head or once, right before an amount (一次性给予奖励5万元 / 每人给予200元): granted even in a sentence that also
# reports (截至…, 同比…) — a statistic says so in the amount's own clause (累计给予…), which amount_role reads.
GRANT_RIGHT_BEFORE = (
    r"(?:每|一次性|分别)[^，。；,;\d]{0,8}(?:给予|奖励|补助|补贴|资助)[^，。；,;\d]{0,4}$"
    r"|(?:统筹|专项|计划|拟|预计)安排[^，。；,;\d]{0,4}$"  # 统筹安排10亿元资金: a budget set aside, in a sentence that also reports
)
# The beneficiary unit written before an amount: 每人500元, 每户, 每家企业, 按每人每月, 单户, 单笔, 单个项目.
AMOUNT_PER = (
    r"(?:按)?(?:每(?:人|户|家|名|个|位|次|年|月|亩|吨|台|平方米)(?:企业|项目|单位)?(?:每(?:月|年|天|人))?"
    r"|单(?:户|笔|个项目|个企业|家企业|项))"
)
# Ratios that are granted: 减半(征收), 免收, 免征, 全免, 全额(退还), 减免三成, 八折.
RATIO = r"减半|免收|免征|免除|全免|全额|减免[一二两三四五六七八九]成|[一二两三四五六七八九]折"

# The kind of a measure, by the words of its clause (first match wins: 贴息 before 贷款, 担保 before 贷款, tax
# before reduction). Kinds: subsidy, reward, reduction, tax, loan, guarantee, interest_subsidy, service.
MEASURE_KIND: tuple[tuple[str, str], ...] = (
    ("interest_subsidy", r"贴息"),
    ("guarantee", r"担保|再担保"),
    ("tax", r"增值税|所得税|个税|印花税|房产税|城镇土地使用税|税收|税款|纳税|退税|免税|减税|税费|税额|留抵|税前扣除|定额扣除|扣除标准|扣除额度|专项附加扣除|减除费用"),
    ("reward", r"奖励|奖金|一次性奖|以奖代补"),
    ("subsidy", r"补贴|补助|奖补|资助|补偿|扶持资金|专项资金|纾困资金|经费支持|资金支持|给予.{0,12}支持|津贴|救助金|消费券|惠民券"),
    ("loan", r"贷款|信贷|授信|融资|借款|续贷|展期|无还本|再贷款|转贷"),
    ("reduction", r"减免|免收|免征|减半|减收|缓缴|缓收|返还|退还|免除|降低|下调|免交|缓交|阶段性减|暂免|延期缴纳|减按|减息|降息"),
    ("service", r"免费|培训|服务|咨询|代办|帮办|绿色通道"),
)
# A clause that grants: a measure needs one of these (or a kind word that is itself a grant: 免征, 补贴 …).
GRANT_VERB = (
    r"给予|予以|发放|补贴|补助|奖补|奖励|资助|减免|免收|免征|减征|免除|减半|减收|缓缴|缓收|返还|退还|贴息|支持|扶持|"
    r"提供|安排|设立|降低|下调|免交|缓交|暂免|减按|补偿|放宽|延长|延期|续贷|不抽贷|不断贷|不压贷|无还本续贷|"
    r"可贷|可获|可享受|可申请|享受|奖|补|提高至|提高到|提高为|上调至|上调为|放宽至|放宽为|新增[^，。；]{0,8}额度|新增[^，。；]{0,10}贷款|扣除|减除|"
    r"赠送|减息|降息|增发|可向[^，。；]{0,30}申请|办理[^，。；]{0,20}保险|组建|建立[^，。；]{0,24}(?:额度|基金|资金)"
)
# The size of a fund or credit line being set up or run: 设立规模为5亿元的…基金 / 总规模50亿元额度 — money made
# available, not a threshold of the enterprise (THRESHOLD_WORD has 规模).
FUND_SIZE_BEFORE = r"(?:总)?规模(?:为|达到?|约)?$|(?:发放|优惠|融资|贷款|授信|资金)额度(?:为|是)?$"
FUND_SIZE_AROUND = r"基金|资金池|额度|专项资金|纾困资金|再贷款"
# The same written after the amount: 用足用好2亿元规模转贷资金 / 首期200亿元…的纾困专项资金.
FUND_SIZE_AFTER = r"^(?:的)?规模(?:的)?[^，。；]{0,10}(?:基金|资金池|资金|额度)(?!压力|缺口|需求|周转)"
# …and without 规模 (二期增加到400亿元的中小微企业纾困专项资金), only where nothing before it reports.
FUND_NAMED_AFTER = r"^(?:的)?[^，。；、\d]{0,12}(?:基金|资金池|专项资金|纾困资金)(?!压力|缺口|需求|周转)"
# A phase of a fund named later in its sentence (首期200亿元、二期增加到400亿元的纾困专项资金).
FUND_PHASE_BEFORE = r"(?:首期|首批|一期|二期|三期)$"
# A fund or credit line reported as done or counted (累计设立, 已发放), where a fund size is not a measure.
FUND_DONE_BEFORE = r"累计|已|共计|截至|截止目前|发放了|设立了"
# An amount that is the old value of a raised limit: 由15万元提高至20万元 (the 15万元 is not granted).
RAISED_FROM_BEFORE = r"(?:由|从)$"
RAISED_TO_AFTER = r"^(?:提高|上调|增加|调整|提升|扩大|调高)(?:至|到|为)"
# A threshold of spending written 满…元 right before the amount: 消费满40元政府补贴10元.
SPEND_THRESHOLD_BEFORE = r"满$"
# A grant per head before the amount (每人发放1张500元…卡): a measure, though 发放 alone reads as a report.
PER_HEAD_GRANT = r"每(?:人|户|家|名|位)[^，。；]{0,4}(?:发放|给予|补贴|补助|奖励|增发)"
# A clause that reports past or achieved work (statistics, not measures): 累计发放, 已为…减免, 共计, 截至…,
# 惠及, 完成, 下达 / 兑现 / 拨付 (reported as done), year-on-year figures.
STATISTIC = (
    r"累计|已经|已为|已向|已对|已发放|已减免|已拨付|已兑现|已落实|已有|已累计|共计|合计|总计|共为|共发放|共减免|"
    r"截至|截止目前|截止到|目前已|惠及|同比|环比|增长|下降|完成|实现|达到|位列|居全|排名|下达|兑现|拨付|争取|"
    r"落实了|发放了|减免了|投入了|帮助.{0,10}获得|获得|获批|带动|撬动|预计|有望|约为|"
    r"发放|预拨|发行|投放|募集|筹集|到位|少缴|节约|减负|缴纳|缴的|为企业节省|该企业|该公司|申报减免|测算|据统计|初步统计"
)
# An amount that names who qualifies rather than what is granted: 年营业收入2000万元以下, 月销售额10万元以下.
# Words that put an amount in the future (a measure to come, not a statistic): 将获得, 拟安排, 2月底前下达.
FUTURE = (
    r"(?:将|拟|计划|力争|抓紧)[^，。；]{0,12}?(?:获得|给予|安排|发放|提供|下达|拨付|补贴|补助|奖励|新增)"
    r"|(?:[日号底末]|月份|季度)前(?=[^，。；]{0,4}(?:下达|拨付|安排|兑现|发放))"
    r"|(?<![共总])可(?:获得|享受|领取|申请)[^，。；\d]{0,10}$|分批[^，。；\d]{0,12}发放|预计安排"  # 每天可获得200元 / 分批发放4亿元消费券
)
# An estimate said earlier in the sentence (据测算，…可享受减免税1100多万元): 可享受 does not make it a measure.
ESTIMATE_CUE = r"测算|估算|预计(?!安排)|有望"
# A bound in brackets on what a measure covers (小微企业贷款（不超过1000万元）的担保业务): a threshold.
BRACKETED_BOUND_AFTER = r"^\s*[)）]的"
THRESHOLD_WORD = (
    r"营业收入|营收|收入|销售额|营业额|产值|纳税额|资产总额|资产|注册资本|投资额|投资|规模|利润|主营业务收入|所得|"
    r"研发投入|研发费用|交易额|出口额|进口额|工资|月薪|缴费基数|租金收入"
)
THRESHOLD_BEFORE = rf"(?:{THRESHOLD_WORD})[^，。；、]{{0,6}}$"
THRESHOLD_AFTER = r"^(?:（含）|\(含\))?(?:以上|以下|及以上|及以下|（含）以上|（含）以下|的部分|的不予|的不再)"
PRICE_AFTER = r"^\s*(?:/|每)\s*(?:斤|公斤|千克|吨|升|袋|瓶|只|个|盒|份|张|箱|桶|包|头)"
PRICE_BEFORE = r"(?:价格|售价|单价|零售价|批发价|均价|票价|价(?!值)|报价|收费标准)[^，。；、]{0,6}$"
# A grant word right before an amount written per unit of goods (给予补助1000元/头): granted, not a price.
GRANT_WORD_BEFORE = r"(?:给予|补助|补贴|奖励|奖补|资助)[^，。；\d]{0,2}$"
FINE = r"罚款|罚金|处以|没收|违法所得"
# Words that name a class of beneficiaries; a measure's beneficiary is the phrase ending in one of these.
BENEFICIARY_HEAD = (
    r"企业|个体工商户|工商户|小规模纳税人|纳税人|缴费人|商户|农户|养殖户|种植户|合作社|家庭农场|市场主体|经营主体|"
    r"承租人|承租户|租户|单位|人员|职工|员工|劳动者|毕业生|贫困户|困难群众|项目|机构|医院|学校|园区|孵化器|众创空间"
)
BENEFICIARY_TAGS = (
    "中小微企业", "小微企业", "中小企业", "科技型中小企业", "高新技术企业", "规上企业", "规模以上企业", "专精特新",
    "个体工商户", "小规模纳税人", "民营企业", "外贸企业", "重点企业", "农民工", "高校毕业生",
)
# A clause that puts a condition on the beneficiary.
CONDITION_CUE = (
    r"符合|满足|认定|经.{0,8}(?:审核|认定|批准)|不裁员|少裁员|裁员率|上年度|上一年度|首次|新招用|招用|吸纳|"
    r"正常经营|依法|按规定|达到|以上的|以下的|凡|对于|对在|对符合|参保|缴纳|连续|新增|新认定|新获批|纳入"
)
# Validity: the start, the end, and a document that repeals another.
IN_FORCE_FROM = (
    r"自(?:印发|发布|公布|颁布)之日起(?:施行|执行|实施|生效)|自(?P<from>(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)起(?:施行|执行|实施|生效)"
)
REPEAL = r"同时废止|予以废止|停止执行|不再执行|同时失效"
# An organ of the central government (its measures apply everywhere): 国务院, the ministries, 国家…局/委.
NATIONAL_ORGAN = (
    r"^(?:中共中央|国务院|全国人大|全国人民代表大会|全国政协|中央(?:财经|全面|军委)|"
    r"国家[\u4e00-\u9fff]{1,12}?(?:总局|局|委员会|委|署|院|办公室|中心)|"
    r"(?:财政|教育|科技|科学技术|工业和信息化|公安|民政|司法|人力资源和?社会保障|人社|自然资源|生态环境|住房和城乡建设|"
    r"住建|交通运输|水利|农业农村|商务|文化和旅游|退役军人事务|应急管理|外交|国防|民族事务|卫生健康)部|"
    r"中国人民银行|人民银行总行|审计署|海关总署|税务总局|市场监管总局|银保监会|银监会|保监会|证监会|国资委|"
    r"发展改革委|中国银保监会|中国证监会|中华全国总工会|全国总工会|共青团中央|全国妇联|中国残联|全国工商联)"
)
# A sentence that reports work done (its amounts are statistics): 累计 / 惠及 / 同比 / 兑现 / 下达 anywhere,
# a year or 近年来 opening it, or counts of what was done (150项, 102家, 600余人).
STATISTIC_SENTENCE = (
    r"累计(?!超过|不超过|达到?|满)|惠及|同比|环比|截至|截止目前|共计|合计|总计|兑现|下达|拨付|争取|获批|位列|居全|已为|已向|已对|已累计|测算|"
    r"^(?:[一二三四五六七八九十]是)?(?:(?:19|20)\d{2}年(?:以来|全年|上半年|[，,])|近年来|近[一二三两四五]年|今年以来|去年以来|目前)|"
    r"(?<![每单首前第\d])(?<!超过)(?<!不少于)(?<!达到)\d+(?:\.\d+)?(?:余|多)?(?:项|家|户|个|人次|批|笔|场|期)(?!百分点|[/以（(])"
)
# What a question asks for when it asks for support measures (rag.measure_answers): 有哪些补贴 / 减免政策有哪些.
ASKS_MEASURE_WORD = (
    r"补贴|补助|支持|减免|优惠|扶持|奖励|奖补|政策|措施|贴息|贷款|担保|免收|免征|缓缴|减征|返还|资助|帮扶"
)
# An amount reported as done (40亿元专项再贷款已到位) and a verb of achievement right before one (达53.2亿元).
DONE_AFTER = r"[^，。；]{0,8}?(?:已到位|已发放|已下达|已拨付|已落实|已全部|已惠及)"
ACHIEVED_BEFORE = r"达|超过|超|突破|逾|近|约|共|累计|合计|总计|已|完成|实现"
# A beneficiary named without a preposition (the fallback when no 对…/为… phrase names one).
BENEFICIARY_BARE = r"(?:中小微|小微|中小|民营|外贸|科技型中小|高新技术|受疫情影响的?)?(?:企业|个体工商户|纳税人|商户|农户|市场主体)"
# A filing deadline: 申报截止时间为3月15日 / 于3月15日前申报.
DEADLINE = (
    r"(?:(?:申报|申请|报送|提交)(?:截止)?(?:时间|日期)?(?:为|至|截至|截止到|截止)\s*|于|在)"
    r"(?P<d>(?:(?:19|20)\d{2}年)?\d{1,2}月\d{1,2}日)(?:前|之前|以前)?(?:[^，。；]{0,10}(?:申报|申请|报送|提交))?"
)
# The profile field a condition needs (rag.matching checks it): 研发投入 → rd_spend …
CONDITION_FIELDS: tuple[tuple[str, str], ...] = (
    ("rd_spend", r"研发投入|研发费用|研发经费|R&D|科研投入"),
    ("employees", r"职工|员工|从业人员|用工|裁员|就业|吸纳|招用|招聘|稳岗|人数"),
    ("revenue", r"营业收入|营收|销售额|营业额|主营业务收入|产值|纳税额"),
    ("tags", r"高新技术企业|科技型中小企业|专精特新|规上|规模以上|个体工商户|小规模纳税人|小微企业|中小微企业|中小企业"),
)


# --------------------------------------------------------------------------------------------------------
# Enterprise profiles (rag.matching): what a need is about, qualifications a measure may require, who is
# not an enterprise, and the words for a small enterprise.

# A need (研发 / 融资 …) selects the measures whose clause says one of these.
PROFILE_NEEDS: dict[str, str] = {
    "研发": r"研发|科研|创新|科技|技术改造|技改|新产品|成果转化",
    "融资": r"贷款|融资|授信|担保|贴息|信贷|续贷|利率|转贷|再贷款|债券",
    "人才": r"人才|引进|招用|招聘|就业|毕业生|培训|见习|职工|用工",
    "房租": r"房租|租金|租赁|用房|厂房|场地|物业",
    "社保": r"社保|社会保险|养老保险|失业保险|医疗保险|工伤保险|公积金|缴费|缓缴",
    "稳岗": r"稳岗|不裁员|少裁员|稳就业|稳定就业|失业保险.{0,6}返还|就业补贴|以工代训",
}
# Qualifications a measure may require; a profile states those it holds (tags).
QUALIFICATIONS = ("高新技术企业", "科技型中小企业", "专精特新", "规上企业", "规模以上企业", "小规模纳税人", "外贸企业")
SAME_QUALIFICATION = {"规模以上企业": "规上企业"}
# Beneficiaries that are not an enterprise: a measure only for them is not for a company.
NOT_ENTERPRISE = (
    r"^(?:[\u4e00-\u9fff]{0,10})(?:农户|养殖户|种植户|贫困户|困难群众|毕业生|学生|劳动者|农民工|人员|职工|员工|医院|学校|"
    r"医疗机构|社区|村|居民|群众|患者|家庭)$"
)
SMALL_ENTERPRISE = r"中小微|小微|中小企业|小型|微型"
# ---------------------------------------------------------------------------------------------------------
# References between documents (rag.links): 《title》 that name no document, and proposal sessions
# ---------------------------------------------------------------------------------------------------------

# A 《》 that names a newspaper, a site or a programme (《人民日报》, 《俄罗斯报》, 《中国政府网》), or a form, a
# certificate or a single administrative instrument (《增值税减免税申报明细表》, 《居住证》, 《处罚决定书》, 《…证明》):
# not a document another one can be. 公报 / 简报 / 情报 are documents, not newspapers.
CITED_NOT_DOCUMENT = (
    r"(?:(?<![公简情])报|日报|晚报|时报|周刊|杂志|期刊|新闻|频道|栏目|节目|专栏|网|表|名单|申请书|承诺书|告知书"
    r"|书|证明|通行证|许可证|居住证|执照|卡|码|证)$"
)
# How the title of a document ends (after a trailing bracket such as （试行） / （第五版） is dropped): a
# law, regulation, notice, plan, standard … — a 《》 ending otherwise names an article, a book or an artwork
# (《武汉“封城记”》, 《免疫力》), not a document.
CITED_DOCUMENT_END = (
    r"(?:法|条例|规定|办法|细则|通知|意见|措施|方案|决定|公告|通告|规划|计划|纲要|指引|指南|目录|标准|规范|批复|复函|答复"
    r"|答复函|请示|报告|函|令|决议|公报|分类|清单|名录|要点|制度|规则|章程|守则|通报|注释|解读|政策|条|法典|意见稿|说明"
    r"|须知|导则|要求|实施意见|工作方案|若干措施|若干意见)$"
)
# A bare document-type word in 《》 (《通知》, 《若干措施》, 《实施方案》): the short name of a document named
# earlier in the text (以下简称《通知》), usually the citing document itself, never a title of its own.
CITED_BARE_TYPE = (
    r"^(?:若干|有关|相关|具体|实施|暂行|试行|管理|工作|政策|申报|总体|配套|专项|操作|办事|服务)*"
    r"(?:通知|意见|措施|办法|方案|决定|公告|通告|规定|细则|指引|指南|规划|计划|批复|复函|答复|条例|法|纲要|要点|政策)$"
)
# Words that give a 《》 its short name (以下简称《通知》, 下称《办法》): the 《》 after them is an alias.
ALIAS_BEFORE = r"(?:简称|下称|以下称|称为|统称)[“”\"：:]?$"
# The session of the proposal a reply letter answers (市政协五届四次会议第0261号提案, 十届全国人大四次会议第1234号建议):
# 届 and 次 (the body — 政协 / 人大 — is read around it), and the kind of proposal after its number.
PROPOSAL_SESSION = r"([一二三四五六七八九十\d]+)届[^第，。；]{0,8}?([一二三四五六七八九十\d]+)次(?:全体)?会议"
PROPOSAL_KIND = r"提案|建议|议案"
# Words every proposal and reply letter uses (加强, 推进, 完善 …): never a topic two of them share (rag.similar).
GENERIC_WORDS = frozenset(
    "加强 加大 推进 推动 完善 建设 提升 促进 提高 进一步 力度 积极 有效 切实 不断 持续 深入 全面 开展 实施 落实 做好 支持"
    " 建议 提案 议案 委员 代表 答复 研究 办理 我市 全市 本市 我省 全省 工作 发展 问题 情况 方面 有关 相关 部门 单位 政府"
    " 目前 当前 近年来 今年 下一步 偏低 较大 较低 一定 存在 需要 希望 通过 进行 作为 没有 已经 其中 同时 主要 重要".split()
)

# ---------------------------------------------------------------------------------------------------------
# Reply letters to 建议 / 提案 / 议案 (rag.replies): which body, which session, which number, who proposed,
# what the reply promises.
# ---------------------------------------------------------------------------------------------------------

# The body whose member proposed: 人大 (人民代表大会) takes 建议 / 议案, 政协 (政治协商会议) takes 提案.
REPLY_BODY = r"人民代表大会|人大|政治协商会议|政协"
REPLY_BODY_NAMES = {"人民代表大会": "人大", "人大": "人大", "政治协商会议": "政协", "政协": "政协"}
# What a proposal is called (the last one named in the title wins over the body's usual kind).
REPLY_KIND = r"议事原案|议案|提案|建议"
REPLY_KIND_NAMES = {"议事原案": "议案"}  # a draft 议案 (议事原案) is a 议案 as written
# A session: 五届四次会议, 第十四届…第二次会议, 十届全国人大四次会议, 政协第十三届全国委员会第三次会议,
# 十四届人大常委会第五次会议. ``n`` and ``m`` are the 届 and the 次; between them may stand the body (全国人大,
# 全国委员会, 市委员会, 人民代表大会常务委员会).
REPLY_SESSION = (
    r"第?(?P<n>[一二三四五六七八九十〇零\d]{1,4}) *届 *"
    r"(?P<mid>[\u4e00-\u9fff]{0,14}?(?:人民代表大会|人大|委员会|政协)?(?:常务委员会|常委会)?)? *"
    r"第?(?P<m>[一二三四五六七八九十\d]{1,3}) *次(?:全体)?会议"
)
# The level of the body: 全国人大 / 全国政协 / 全国委员会 → 全国; …省 / 自治区 / 直辖市 → 省; 市 / 州 / 盟 → 市;
# 区 / 县 / 旗 → 区县. Read from the word right before the body (or before 委员会 in 政协XX市委员会).
REPLY_LEVELS: tuple[tuple[str, str], ...] = (
    ("全国", r"全国|中国人民政治协商会议$|^中国"),
    ("省", r"(?:省|自治区|北京|天津|上海|重庆)(?:第?[一二三四五六七八九十\d]{1,4}届)?$"),
    ("市", r"(?:市|州|盟|地区)(?:第?[一二三四五六七八九十\d]{1,4}届)?$"),
    ("区县", r"(?:区|县|旗|市辖区)(?:第?[一二三四五六七八九十\d]{1,4}届)?$"),
)
# The proposal's number: 第0261号提案, 第2996号建议, 建议第123号, 提案第45号, 第A023号, 第20240123号.
# Also: a year-and-letter number (第2024B017号), a delegation's one-character prefix (会议甬12号建议: the
# digits kept), several numbers answered at once (第12、40号建议: the first), 第 left out after 会议 (会议33号建议).
_NUM = r"(?P<num>(?:\d{4}[A-Za-z])?[A-Za-z]?\d{1,8})(?:[、，,]\d{1,8})*"
REPLY_NUMBER_BEFORE_KIND = (
    rf"(?:第 *|(?<=会议)(?:上)?(?:[\u4e00-\u9fff](?=\d))?){_NUM} *号(?:[^，。；：]{{0,6}}?)"
    r"(?P<kind>议事原案|议案|提案|建议)"
)
REPLY_NUMBER_AFTER_KIND = (  # 建议第123号, 《…的建议》（第156号）, 提案（编号：第0123号）
    rf"(?P<kind>议事原案|议案|提案|建议)[》”」]? *[（(]? *(?:编号[：:]? *)?第 *{_NUM} *号"
)
REPLY_NUMBER_LABELLED = rf"(?P<kind>议事原案|议案|提案|建议)编号[：:] *第? *{_NUM}"  # 提案编号：0123
REPLY_NUMBER_BARE = rf"第 *{_NUM} *号"
# A reply letter's title: …的答复 / 答复函 / 复函 / 办理情况的函 / 办理情况的报告 / 答复的函 on a 建议 / 提案 / 议案.
REPLY_TITLE_END = r"(?:答复函|答复意见|答复|复函|回复函|回复|办理情况的(?:函|报告|答复)|答复的函|办理意见的函)$"
# … or a letter about answering one: XX局关于答复县十届人大二次会议第5号建议的函.
REPLY_TITLE_ANSWERING = r"关于(?:答复|回复|办理)[^，。；]{2,80}(?:议事原案|议案|提案|建议)的函$"
# Page furniture a web page puts before or around a letter's title: a breadcrumb (首页 > … > 正文), a label
# (标题: / 信息名称), list bullets; and after it, its 文号 in square brackets (…的答复[X发〔2024〕3号]).
REPLY_TITLE_CHROME = r"^(?:.*(?:正文|当前位置)[：:]?|.*[>/|](?=[^>/|]*(?:关于|对)))?[\s•·\-–—*]*(?:标题|信息名称|题目)?[：:]?\s*"
REPLY_TITLE_TAIL = r"\s*[\[［【]([^\[\]［］【】]{4,40})[\]］】]$"
# The salutation that opens a reply letter to persons: 张三代表： / 李四、王五委员： / 尊敬的赵六等代表
# (the colon may be lost), and the words that say the letter answers their proposal (…的建议收悉 / 答复如下).
REPLY_SALUTATION_ROLE = r"代表|委员"
REPLY_ANSWERS = r"(?:议事原案|议案|提案|建议|意见)[^。]{0,6}?收悉|(?:答复|回复|函复)如下"
# Page labels where a web page names the letter's organ and date (fallbacks behind the signature):
# 发布机构: XX局 / 来源: XX局 / 信息来源: … / 联系单位: …, and 成文日期: 2024-05-06.
REPLY_PAGE_ORGAN_LABEL = r"(?:发布机构|信息来源|来源|发文机关|联系单位)"
REPLY_PAGE_DATE_LABEL = r"成文日期"
# The labels of a page's item header, where a page without line breaks is cut.
REPLY_PAGE_LABELS = r"发布时间|发布日期|成文日期|发布机构|信息来源|来源|作者|访问次数|浏览次数|点击数|字号"
# A place-name at the start of an organ's name gives its level: XX县水利局 → 区县, XX自治州交通局 → 市; a
# national organ has none (国务院办公厅, 交通运输部). Words ending in 区 / 市 that are not places.
REPLY_ORGAN_NATIONAL = r"^(?:国务院|中共中央|中央|全国|国家|中华人民共和国|最高人民)|^[\u4e00-\u9fff]{2,8}部$"
REPLY_NOT_A_PLACE = r"(?:城|园|社|辖|景|片|街|城市|都市|市)(?:区|市)$"
# Who the letter is addressed to when that is the proposer: persons (张三委员, 李四等代表, 王五副主席) and the
# bodies that make collective 提案 (民盟市委, 九三学社XX委员会, 市工商联, 农工党XX支部, 经济界别).
REPLY_PERSON_ROLE = r"委员|代表|副主席|主席|常委|同志|先生|女士|老师"
REPLY_GROUP_PARTY = r"民革|民盟|民建|民进|农工|致公|九三学社|台盟|工商联|无党派"  # at the start: 民建区委会
REPLY_GROUP = (  # at the end
    r"界别|党派|学社|支社|小组|联组|委员会|委会|党委|市委|省委|区委|县委|总支|支部|代表团|联合会|协会|商会"
)
# A sentence of the reply that names the proposer(s) when no addressee line does: 张三代表提出的…, 您领衔提出的
# (no name: nothing read), 李四等5位委员提出的….
REPLY_PROPOSER_IN_TEXT = (
    r"(?P<names>[\u4e00-\u9fff]{2,4}(?:[、，,][\u4e00-\u9fff]{2,4}){0,9})(?P<etc>等(?:\d+|[一二三四五六七八九十]+)?(?:名|位)?)?"
    r"(?:委员|代表)(?:领衔)?(?:提出|所提|提交)的"
)
# Where the reply's promises start: a sentence (or paragraph) opening with one of these …
REPLY_COMMIT_OPENER = (
    r"下一步|下步|下一阶段|下阶段|今后|接下来|未来|后续|我们将|我[局委厅办部府院市区县]将|本[局委厅部]将"
)
# … and, without such a part, the single sentences that promise (…将继续 / 将进一步 / 将不断 …).
REPLY_COMMIT_VERB = (
    r"(?:将|拟)(?:继续|进一步|不断|积极|加快|加大|持续|认真|会同|督促|研究|推动|抓紧|切实|着力|结合|按照|以|在|坚持|统筹)"
)
# Where the promises end: the thanks and closing formulas of a reply letter.
REPLY_CLOSING = r"^(?:感谢|衷心感谢|非常感谢|再次感谢|欢迎|恳请|希望您|此复|特此|专此|以上答复|如有|现将)"
# A heading that opens the promises as a section of their own: 三、有关部门下一步拟采取的措施 / （四）下步工作打算.
REPLY_COMMIT_HEADING = (
    rf"^(?:{DUN_CN}|{PAREN_CN}|第[{CN_NUM}]{{1,3}}[，,、])[^。]{{0,20}}"
    r"(?:下一步|下步|下阶段|下一阶段|今后|工作打算|工作计划|努力方向|拟采取|改进措施)"
)
# A sentence that says what something will bring, not what the replying body will do (这些措施将进一步方便…).
REPLY_NOT_COMMIT = r"^(?:这些|这|此|该|上述)(?:些)?(?:措施|举措|做法|工作|政策)?将"
# Questions for the register of past replies (rag.reply_answers), kept narrow: a proposer and what they
# proposed (王超斌委员提过哪些提案？ / 石英代表提出过什么建议), or how past proposals on a topic were answered
# (以前关于科技企业融资的提案是怎么答复的？ / 过去有没有关于…的建议，答复过吗). One naming its own document
# (334号答复函说了什么, 《…》, a 文号) is a single-document question, not this.
ASK_REGISTER_PROPOSER = (
    r"(?P<name>[\u4e00-\u9fff·]{2,8}?)(?P<etc>等)?(?P<role>委员|代表)?(?:都|曾|曾经|以前|过去|之前|先后|一共|共)?"
    r"(?:提过|提出过|提出了|提了|提交过|提交了|领衔提出过|领衔提出了|提出|提交)(?:哪些|什么|几件|几个|多少|的|过的)?(?:件)?"
    r"(?P<kind>提案|建议|议案)"
)
ASK_REGISTER_PAST = (
    r"(?:以前|过去|之前|此前|历年|往年|曾经|早先|以往)[^？?。]{0,40}?(?P<kind>提案|建议|议案)[^？?。]{0,12}?"
    r"(?:怎么|如何|怎样|是怎么|是如何)?(?:答复|回复|办理|处理)(?:的|过|了)?"
    r"|(?:提案|建议|议案)[^？?。]{0,12}(?:答复过|回复过|办理过|有过答复|有没有答复)"
)
# Words of such a question that name no topic (what is left names the proposals' subject: 科技企业 融资).
REGISTER_FRAME_WORDS = frozenset(
    "以前 过去 之前 此前 历年 往年 曾经 早先 以往 关于 有关 方面 提案 建议 议案 答复 回复 办理 处理 怎么 如何 怎样 是 的 过 了"
    " 哪些 什么 有没有 有 吗 呢 委员 代表 政府 人大 政协".split()
)
