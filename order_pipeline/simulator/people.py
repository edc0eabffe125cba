"""Buyers and the addresses they ship to: real Chinese divisions, and local ones for Shopee regions.

Addresses are drawn from a small built-in list of real divisions (province / city / district / town and the
postcode) so the pipeline's address splitting and remote-area tagging (F5) meet real names, including the
autonomous regions and municipalities that trip naive parsers. Buyers are a pool shared by the CN shops, so the
same person (same phone) buys on Tmall, JD and Douyin: the "one customer, one id" matching has real work to do.
A receiver is a tuple in `model.Receiver` field order: (name, phone, province, city, district, town, detail,
zipcode). Clean phones here are digits only; the dirty spellings come from `nasty.py`.
"""

from __future__ import annotations

import random

CN_DIVISIONS = [  # (province, city, district, town, zipcode)
    ("浙江省", "杭州市", "西湖区", "西溪街道", "310013"),
    ("浙江省", "杭州市", "余杭区", "五常街道", "311121"),
    ("浙江省", "宁波市", "鄞州区", "中河街道", "315100"),
    ("广东省", "深圳市", "南山区", "粤海街道", "518057"),
    ("广东省", "广州市", "天河区", "石牌街道", "510630"),
    ("广东省", "东莞市", "东城街道", "东城街道", "523125"),
    ("北京市", "北京市", "朝阳区", "望京街道", "100102"),
    ("北京市", "北京市", "海淀区", "中关村街道", "100080"),
    ("上海市", "上海市", "浦东新区", "张江镇", "201203"),
    ("上海市", "上海市", "徐汇区", "田林街道", "200233"),
    ("天津市", "天津市", "南开区", "学府街道", "300071"),
    ("重庆市", "重庆市", "渝北区", "龙溪街道", "401147"),
    ("江苏省", "南京市", "鼓楼区", "湖南路街道", "210009"),
    ("江苏省", "苏州市", "姑苏区", "平江街道", "215005"),
    ("四川省", "成都市", "武侯区", "玉林街道", "610041"),
    ("湖北省", "武汉市", "洪山区", "关山街道", "430074"),
    ("山东省", "青岛市", "市南区", "八大关街道", "266071"),
    ("河南省", "郑州市", "金水区", "花园路街道", "450003"),
    ("湖南省", "长沙市", "岳麓区", "橘子洲街道", "410006"),
    ("福建省", "厦门市", "思明区", "鼓浪屿街道", "361002"),
    ("陕西省", "西安市", "雁塔区", "小寨路街道", "710061"),
    ("辽宁省", "沈阳市", "和平区", "太原街街道", "110001"),
    ("黑龙江省", "哈尔滨市", "南岗区", "花园街道", "150001"),
    ("云南省", "昆明市", "五华区", "华山街道", "650032"),
    ("广西壮族自治区", "南宁市", "青秀区", "新竹街道", "530022"),
    ("海南省", "海口市", "美兰区", "海府街道", "570203"),
    ("甘肃省", "兰州市", "城关区", "张掖路街道", "730030"),
    ("青海省", "西宁市", "城中区", "南滩街道", "810000"),
    ("宁夏回族自治区", "银川市", "兴庆区", "解放西街街道", "750001"),
    ("内蒙古自治区", "呼和浩特市", "新城区", "海拉尔东路街道", "010050"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "幸福路街道", "830002"),
    ("西藏自治区", "拉萨市", "城关区", "八廓街道", "850000"),
]
CN_WEIGHTS = [6, 5, 3, 6, 5, 3, 5, 4, 6, 4, 2, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "子涵", "浩然", "欣怡", "梓萱", "一诺", "宇轩", "思远", "雨桐", "嘉怡", "俊杰", "晓燕", "建华", "志强", "文博", "诗涵", "佳琪", "天佑"]
_STREETS = ["文一西路", "学院路", "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "长江路", "科技园路", "幸福大道", "滨江大道", "光明街", "胜利路", "迎宾大道"]
_ESTATES = ["阳光花园", "翠苑小区", "万科城", "绿城桂花园", "碧桂园", "金地名京", "保利香槟国际", "龙湖时代天街", "融创壹号院", "华润城", "东方明珠公寓", "世纪新城", "锦绣江南"]
_MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "183", "185", "186", "187", "188", "189", "191", "198", "199"]

REGION_CODES = {
    "SG": "65",
    "ID": "62",
    "BR": "55",
    "MY": "60",
    "TH": "66",
    "VN": "84",
    "PH": "63",
    "TW": "886",
    "MX": "52",
    "CO": "57",
    "CL": "56",
}
_LOCAL = {  # region -> ([given names], [surnames], [(state, city, district, town, zipcode)], [streets])
    "SG": (
        ["Wei Ming", "Hui Min", "Jun Jie", "Siti", "Aisyah", "Rajesh", "Priya", "Daniel", "Rachel", "Marcus"],
        ["Tan", "Lim", "Lee", "Ng", "Wong", "Binte Ahmad", "Kumar", "Goh", "Chua", "Ong"],
        [
            ("Singapore", "Singapore", "Ang Mo Kio", "Ang Mo Kio", "560123"),
            ("Singapore", "Singapore", "Tampines", "Tampines", "520456"),
            ("Singapore", "Singapore", "Jurong West", "Jurong West", "640789"),
            ("Singapore", "Singapore", "Bukit Timah", "Bukit Timah", "588996"),
            ("Singapore", "Singapore", "Bedok", "Bedok North", "460213"),
        ],
        [
            "Ang Mo Kio Avenue 3",
            "Tampines Street 41",
            "Jurong West Street 91",
            "Bukit Timah Road",
            "Bedok North Road",
        ],
    ),
    "ID": (
        ["Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Andi", "Ayu", "Fajar", "Indah"],
        ["Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Pratama", "Kusuma", "Nugroho"],
        [
            ("DKI Jakarta", "KOTA JAKARTA SELATAN", "Kebayoran Baru", "Senayan", "12190"),
            ("Jawa Barat", "KOTA BANDUNG", "Coblong", "Dago", "40135"),
            ("Jawa Timur", "KOTA SURABAYA", "Gubeng", "Airlangga", "60286"),
            ("Bali", "KOTA DENPASAR", "Denpasar Selatan", "Sanur", "80228"),
        ],
        ["Jl. Sudirman", "Jl. Merdeka", "Jl. Diponegoro", "Jl. Gatot Subroto", "Jl. Ahmad Yani"],
    ),
    "BR": (
        ["Ana", "João", "Maria", "Pedro", "Juliana", "Lucas", "Fernanda", "Gabriel", "Camila", "Rafael"],
        ["Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Rodrigues", "Almeida"],
        [
            ("São Paulo", "São Paulo", "Pinheiros", "Pinheiros", "05422-010"),
            ("Rio de Janeiro", "Rio de Janeiro", "Copacabana", "Copacabana", "22070-011"),
            ("Minas Gerais", "Belo Horizonte", "Savassi", "Funcionários", "30140-071"),
            ("Paraná", "Curitiba", "Batel", "Batel", "80420-090"),
        ],
        ["Rua dos Pinheiros", "Avenida Atlântica", "Rua Pernambuco", "Avenida do Batel", "Rua Augusta"],
    ),
}


def cn_mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def local_phone(rng: random.Random, region: str) -> str:
    """Shopee spells phones with the country code and no plus sign."""
    if region == "SG":
        return "65" + rng.choice("89") + f"{rng.randrange(10**7):07d}"
    if region == "ID":
        return "628" + rng.choice(["12", "13", "21", "52", "57", "77"]) + f"{rng.randrange(10**7, 10**8)}"
    if region == "BR":
        return "55" + rng.choice(["11", "21", "31", "41", "51", "61"]) + "9" + f"{rng.randrange(10**8):08d}"
    return REGION_CODES.get(region, "1") + f"{rng.randrange(10**8, 10**9)}"


def cn_detail(rng: random.Random) -> str:
    return (
        f"{rng.choice(_STREETS)}{rng.randint(1, 999)}号{rng.choice(_ESTATES)}{rng.randint(1, 30)}幢"
        f"{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室"
    )


def cn_person(rng: random.Random) -> tuple[str, ...]:
    province, city, district, town, zipcode = rng.choices(CN_DIVISIONS, weights=CN_WEIGHTS)[0]
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    return (name, cn_mobile(rng), province, city, district, town, cn_detail(rng), zipcode)


def local_detail(rng: random.Random, region: str) -> str:
    streets = _LOCAL.get(region, _LOCAL["SG"])[3]
    if region == "SG":
        return f"Blk {rng.randint(100, 999)} {rng.choice(streets)}, #{rng.randint(2, 25):02d}-{rng.randint(1, 199):02d}"
    if region == "ID":
        return f"{rng.choice(streets)} No. {rng.randint(1, 200)}, RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 9):02d}"
    return f"{rng.choice(streets)}, {rng.randint(10, 3000)}, Apto {rng.randint(11, 180)}"


def local_person(rng: random.Random, region: str) -> tuple[str, ...]:
    given, surnames, divisions, _ = _LOCAL.get(region, _LOCAL["SG"])
    state, city, district, town, zipcode = rng.choice(divisions)
    name = f"{rng.choice(given)} {rng.choice(surnames)}"
    return (name, local_phone(rng, region), state, city, district, town, local_detail(rng, region), zipcode)


def person(rng: random.Random, region: str) -> tuple[str, ...]:
    return cn_person(rng) if region == "CN" else local_person(rng, region)


def moved(rng: random.Random, receiver: tuple[str, ...], region: str) -> tuple[str, ...]:
    """The same buyer after an address change: a new street address, sometimes in another division."""
    if region == "CN":
        if rng.random() < 0.3:
            province, city, district, town, zipcode = rng.choices(CN_DIVISIONS, weights=CN_WEIGHTS)[0]
            return (receiver[0], receiver[1], province, city, district, town, cn_detail(rng), zipcode)
        return receiver[:6] + (cn_detail(rng), receiver[7])
    return receiver[:6] + (local_detail(rng, region), receiver[7])


def buyer_id(platform: str, seed: int, shop_key: str, person_index: int) -> str:
    """A platform-scoped open id: the same person gets a different id on every shop, as real open ids do."""
    rng = random.Random(f"{seed}:{shop_key}:buyer:{person_index}")
    if platform == "shopee":
        return str(rng.randrange(10**8, 10**9))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    prefix = {"taobao": "AAF", "jd": "o", "douyin": "1@#"}.get(platform, "u")
    return prefix + "".join(rng.choices(alphabet, k=24))
