//! Where a customer is: the national list of administrative divisions (GB/T 2260), two levels —
//! the 34 provincial-level divisions and, under each, its prefecture-level divisions (cities,
//! prefectures, autonomous prefectures and leagues) — and the national industry classification
//! (GB/T 4754-2017, its sections A–T).
//!
//! What is stored is the code: six digits for a division, a letter for an industry section.
//!
//! Two choices the standard leaves open, made here:
//! * **Municipalities** (北京、天津、上海、重庆) have the municipality itself as their one
//!   second level, under the code of its districts (`110100` 北京市 …; for 重庆 `500100`, which
//!   also stands for its counties). A sales department places a customer in "Shanghai", not in a
//!   district of it.
//! * **County-level cities and counties governed directly by a province** (省直辖县级行政区划:
//!   仙桃, 济源, 琼海, 石河子 …) are listed with the prefecture-level cities of their province
//!   under their own codes (`429004` …), because a customer there has no prefecture above it.
//! * 台湾省, 香港 and 澳门 have the division itself as their one second level, under the
//!   division's code (`710000`, `810000`, `820000`): GB/T 2260 lists no subdivisions for them.
//!
//! The list is as it stands after the changes up to 2023 (莱芜 merged into 济南 in 2019, 新星 in
//! 2021, 白杨 in 2023). A test counts the 333 prefecture-level divisions.

use crate::validate::{FieldError, FieldErrors};

/// A provincial-level division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Province {
    /// Six digits, ending in `0000`.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub cities: &'static [City],
}

/// A second-level division (see the module documentation for what counts as one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct City {
    /// Six digits; the first two are the province's.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

impl Province {
    /// The name in the language whose code is given (`en…` English, else Chinese).
    pub fn name(&self, lang: &str) -> &'static str {
        if lang.starts_with("en") {
            self.name_en
        } else {
            self.name_zh
        }
    }

    /// The Chinese name without its kind (`广东省` → `广东`, `内蒙古自治区` → `内蒙古`).
    pub fn short_zh(&self) -> &'static str {
        short_zh(self.name_zh)
    }

    /// One of this province's cities by code or exact name (Chinese, Chinese without its kind,
    /// or English, case-insensitively).
    pub fn city(&self, s: &str) -> Option<&'static City> {
        let s = s.trim();
        self.cities.iter().find(|c| c.matches(s))
    }
}

impl City {
    pub fn name(&self, lang: &str) -> &'static str {
        if lang.starts_with("en") {
            self.name_en
        } else {
            self.name_zh
        }
    }

    fn matches(&self, s: &str) -> bool {
        self.code == s
            || self.name_zh == s
            || short_zh(self.name_zh) == s
            || self.name_en.eq_ignore_ascii_case(s)
    }

    /// The province the city belongs to.
    pub fn province(&self) -> &'static Province {
        PROVINCES
            .iter()
            .find(|p| p.code[..2] == self.code[..2])
            .unwrap_or(&PROVINCES[0])
    }
}

/// A name without the kind of division it is. Only the suffixes of whole kinds are cut, so
/// `吉林市` becomes `吉林` and `海南藏族自治州` stays distinct from the province `海南`.
fn short_zh(name: &'static str) -> &'static str {
    for suffix in [
        "特别行政区",
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "省",
        "市",
    ] {
        if let Some(s) = name.strip_suffix(suffix)
            && !s.is_empty()
        {
            return s;
        }
    }
    name
}

/// A province by code or exact name (Chinese, Chinese without its kind, or English,
/// case-insensitively).
pub fn province(s: &str) -> Option<&'static Province> {
    let s = s.trim();
    PROVINCES.iter().find(|p| {
        p.code == s || p.name_zh == s || p.short_zh() == s || p.name_en.eq_ignore_ascii_case(s)
    })
}

/// A city by code, or by exact name when only one city in the country has it.
pub fn city(s: &str) -> Option<&'static City> {
    let s = s.trim();
    let mut found = PROVINCES
        .iter()
        .flat_map(|p| p.cities)
        .filter(|c| c.matches(s));
    let first = found.next()?;
    if first.code == s || found.next().is_none() {
        Some(first)
    } else {
        None
    }
}

/// A city by its code only.
pub fn city_by_code(code: &str) -> Option<&'static City> {
    PROVINCES
        .iter()
        .flat_map(|p| p.cities)
        .find(|c| c.code == code)
}

/// The message keys of a value not on the lists. The web layer names the allowed values in the
/// reader's language: every province; the cities of the province whose code is the error's
/// argument (or every province again, to start from, when there is none); every section.
pub const PROVINCE_UNKNOWN: &str = "error.province_unknown";
pub const CITY_UNKNOWN: &str = "error.city_unknown";
pub const INDUSTRY_UNKNOWN: &str = "error.industry_unknown";

/// A place as a form, the API or an import gives it: each part a code or an exact name, or
/// empty. A city must lie in the province; a city given alone gives its province when its name
/// is unique in the country. Errors are per field (`province`, `city`).
pub fn parse_place(
    province_in: &str,
    city_in: &str,
) -> Result<(Option<&'static Province>, Option<&'static City>), FieldErrors> {
    let (province_in, city_in) = (province_in.trim(), city_in.trim());
    let mut errs = FieldErrors::new();
    let p = match province_in {
        "" => None,
        s => match province(s) {
            Some(p) => Some(p),
            None => {
                errs.push(FieldError::new("province", PROVINCE_UNKNOWN));
                None
            }
        },
    };
    let c = match (city_in, p) {
        ("", _) => None,
        (s, Some(p)) => match p.city(s) {
            Some(c) => Some(c),
            None => {
                errs.push(FieldError::with_arg("city", CITY_UNKNOWN, p.code));
                None
            }
        },
        (_, None) if !province_in.is_empty() => None,
        (s, None) => match city(s) {
            Some(c) => Some(c),
            None => {
                errs.push(FieldError::new("city", CITY_UNKNOWN));
                None
            }
        },
    };
    errs.into_result()?;
    Ok((p.or_else(|| c.map(City::province)), c))
}

/// An industry as given: a section letter or an exact name, or empty.
pub fn parse_industry(field: &str, s: &str) -> Result<Option<&'static Industry>, FieldError> {
    match s.trim() {
        "" => Ok(None),
        s => industry(s)
            .map(Some)
            .ok_or_else(|| FieldError::new(field, INDUSTRY_UNKNOWN)),
    }
}

/// An industry section of GB/T 4754-2017 (门类).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Industry {
    /// `A` … `T`.
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

impl Industry {
    pub fn name(&self, lang: &str) -> &'static str {
        if lang.starts_with("en") {
            self.name_en
        } else {
            self.name_zh
        }
    }
}

/// An industry section by its letter (either case) or exact name (Chinese, or English
/// case-insensitively).
pub fn industry(s: &str) -> Option<&'static Industry> {
    let s = s.trim();
    INDUSTRIES.iter().find(|i| {
        i.code.eq_ignore_ascii_case(s) || i.name_zh == s || i.name_en.eq_ignore_ascii_case(s)
    })
}

/// The sections of GB/T 4754-2017, in order.
pub static INDUSTRIES: &[Industry] = &[
    ind(
        "A",
        "农、林、牧、渔业",
        "Agriculture, forestry, animal husbandry and fishery",
    ),
    ind("B", "采矿业", "Mining"),
    ind("C", "制造业", "Manufacturing"),
    ind(
        "D",
        "电力、热力、燃气及水生产和供应业",
        "Production and supply of electricity, heat, gas and water",
    ),
    ind("E", "建筑业", "Construction"),
    ind("F", "批发和零售业", "Wholesale and retail trade"),
    ind(
        "G",
        "交通运输、仓储和邮政业",
        "Transport, storage and postal services",
    ),
    ind("H", "住宿和餐饮业", "Accommodation and catering"),
    ind(
        "I",
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and information technology services",
    ),
    ind("J", "金融业", "Finance"),
    ind("K", "房地产业", "Real estate"),
    ind("L", "租赁和商务服务业", "Leasing and business services"),
    ind(
        "M",
        "科学研究和技术服务业",
        "Scientific research and technical services",
    ),
    ind(
        "N",
        "水利、环境和公共设施管理业",
        "Water conservancy, environment and public facilities management",
    ),
    ind(
        "O",
        "居民服务、修理和其他服务业",
        "Resident services, repair and other services",
    ),
    ind("P", "教育", "Education"),
    ind("Q", "卫生和社会工作", "Health and social work"),
    ind(
        "R",
        "文化、体育和娱乐业",
        "Culture, sports and entertainment",
    ),
    ind(
        "S",
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    ),
    ind("T", "国际组织", "International organisations"),
];

const fn ind(code: &'static str, name_zh: &'static str, name_en: &'static str) -> Industry {
    Industry {
        code,
        name_zh,
        name_en,
    }
}

const fn c(code: &'static str, name_zh: &'static str, name_en: &'static str) -> City {
    City {
        code,
        name_zh,
        name_en,
    }
}

const fn p(
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    cities: &'static [City],
) -> Province {
    Province {
        code,
        name_zh,
        name_en,
        cities,
    }
}

/// The 34 provincial-level divisions in the order of their codes, each with its second level.
pub static PROVINCES: &[Province] = &[
    p(
        "110000",
        "北京市",
        "Beijing",
        &[c("110100", "北京市", "Beijing")],
    ),
    p(
        "120000",
        "天津市",
        "Tianjin",
        &[c("120100", "天津市", "Tianjin")],
    ),
    p(
        "130000",
        "河北省",
        "Hebei",
        &[
            c("130100", "石家庄市", "Shijiazhuang"),
            c("130200", "唐山市", "Tangshan"),
            c("130300", "秦皇岛市", "Qinhuangdao"),
            c("130400", "邯郸市", "Handan"),
            c("130500", "邢台市", "Xingtai"),
            c("130600", "保定市", "Baoding"),
            c("130700", "张家口市", "Zhangjiakou"),
            c("130800", "承德市", "Chengde"),
            c("130900", "沧州市", "Cangzhou"),
            c("131000", "廊坊市", "Langfang"),
            c("131100", "衡水市", "Hengshui"),
        ],
    ),
    p(
        "140000",
        "山西省",
        "Shanxi",
        &[
            c("140100", "太原市", "Taiyuan"),
            c("140200", "大同市", "Datong"),
            c("140300", "阳泉市", "Yangquan"),
            c("140400", "长治市", "Changzhi"),
            c("140500", "晋城市", "Jincheng"),
            c("140600", "朔州市", "Shuozhou"),
            c("140700", "晋中市", "Jinzhong"),
            c("140800", "运城市", "Yuncheng"),
            c("140900", "忻州市", "Xinzhou"),
            c("141000", "临汾市", "Linfen"),
            c("141100", "吕梁市", "Lüliang"),
        ],
    ),
    p(
        "150000",
        "内蒙古自治区",
        "Inner Mongolia",
        &[
            c("150100", "呼和浩特市", "Hohhot"),
            c("150200", "包头市", "Baotou"),
            c("150300", "乌海市", "Wuhai"),
            c("150400", "赤峰市", "Chifeng"),
            c("150500", "通辽市", "Tongliao"),
            c("150600", "鄂尔多斯市", "Ordos"),
            c("150700", "呼伦贝尔市", "Hulunbuir"),
            c("150800", "巴彦淖尔市", "Bayannur"),
            c("150900", "乌兰察布市", "Ulanqab"),
            c("152200", "兴安盟", "Hinggan League"),
            c("152500", "锡林郭勒盟", "Xilin Gol League"),
            c("152900", "阿拉善盟", "Alxa League"),
        ],
    ),
    p(
        "210000",
        "辽宁省",
        "Liaoning",
        &[
            c("210100", "沈阳市", "Shenyang"),
            c("210200", "大连市", "Dalian"),
            c("210300", "鞍山市", "Anshan"),
            c("210400", "抚顺市", "Fushun"),
            c("210500", "本溪市", "Benxi"),
            c("210600", "丹东市", "Dandong"),
            c("210700", "锦州市", "Jinzhou"),
            c("210800", "营口市", "Yingkou"),
            c("210900", "阜新市", "Fuxin"),
            c("211000", "辽阳市", "Liaoyang"),
            c("211100", "盘锦市", "Panjin"),
            c("211200", "铁岭市", "Tieling"),
            c("211300", "朝阳市", "Chaoyang"),
            c("211400", "葫芦岛市", "Huludao"),
        ],
    ),
    p(
        "220000",
        "吉林省",
        "Jilin",
        &[
            c("220100", "长春市", "Changchun"),
            c("220200", "吉林市", "Jilin City"),
            c("220300", "四平市", "Siping"),
            c("220400", "辽源市", "Liaoyuan"),
            c("220500", "通化市", "Tonghua"),
            c("220600", "白山市", "Baishan"),
            c("220700", "松原市", "Songyuan"),
            c("220800", "白城市", "Baicheng"),
            c(
                "222400",
                "延边朝鲜族自治州",
                "Yanbian Korean Autonomous Prefecture",
            ),
        ],
    ),
    p(
        "230000",
        "黑龙江省",
        "Heilongjiang",
        &[
            c("230100", "哈尔滨市", "Harbin"),
            c("230200", "齐齐哈尔市", "Qiqihar"),
            c("230300", "鸡西市", "Jixi"),
            c("230400", "鹤岗市", "Hegang"),
            c("230500", "双鸭山市", "Shuangyashan"),
            c("230600", "大庆市", "Daqing"),
            c("230700", "伊春市", "Yichun (Heilongjiang)"),
            c("230800", "佳木斯市", "Jiamusi"),
            c("230900", "七台河市", "Qitaihe"),
            c("231000", "牡丹江市", "Mudanjiang"),
            c("231100", "黑河市", "Heihe"),
            c("231200", "绥化市", "Suihua"),
            c("232700", "大兴安岭地区", "Greater Khingan Prefecture"),
        ],
    ),
    p(
        "310000",
        "上海市",
        "Shanghai",
        &[c("310100", "上海市", "Shanghai")],
    ),
    p(
        "320000",
        "江苏省",
        "Jiangsu",
        &[
            c("320100", "南京市", "Nanjing"),
            c("320200", "无锡市", "Wuxi"),
            c("320300", "徐州市", "Xuzhou"),
            c("320400", "常州市", "Changzhou"),
            c("320500", "苏州市", "Suzhou (Jiangsu)"),
            c("320600", "南通市", "Nantong"),
            c("320700", "连云港市", "Lianyungang"),
            c("320800", "淮安市", "Huai'an"),
            c("320900", "盐城市", "Yancheng"),
            c("321000", "扬州市", "Yangzhou"),
            c("321100", "镇江市", "Zhenjiang"),
            c("321200", "泰州市", "Taizhou (Jiangsu)"),
            c("321300", "宿迁市", "Suqian"),
        ],
    ),
    p(
        "330000",
        "浙江省",
        "Zhejiang",
        &[
            c("330100", "杭州市", "Hangzhou"),
            c("330200", "宁波市", "Ningbo"),
            c("330300", "温州市", "Wenzhou"),
            c("330400", "嘉兴市", "Jiaxing"),
            c("330500", "湖州市", "Huzhou"),
            c("330600", "绍兴市", "Shaoxing"),
            c("330700", "金华市", "Jinhua"),
            c("330800", "衢州市", "Quzhou"),
            c("330900", "舟山市", "Zhoushan"),
            c("331000", "台州市", "Taizhou (Zhejiang)"),
            c("331100", "丽水市", "Lishui"),
        ],
    ),
    p(
        "340000",
        "安徽省",
        "Anhui",
        &[
            c("340100", "合肥市", "Hefei"),
            c("340200", "芜湖市", "Wuhu"),
            c("340300", "蚌埠市", "Bengbu"),
            c("340400", "淮南市", "Huainan"),
            c("340500", "马鞍山市", "Ma'anshan"),
            c("340600", "淮北市", "Huaibei"),
            c("340700", "铜陵市", "Tongling"),
            c("340800", "安庆市", "Anqing"),
            c("341000", "黄山市", "Huangshan"),
            c("341100", "滁州市", "Chuzhou"),
            c("341200", "阜阳市", "Fuyang"),
            c("341300", "宿州市", "Suzhou (Anhui)"),
            c("341500", "六安市", "Lu'an"),
            c("341600", "亳州市", "Bozhou"),
            c("341700", "池州市", "Chizhou"),
            c("341800", "宣城市", "Xuancheng"),
        ],
    ),
    p(
        "350000",
        "福建省",
        "Fujian",
        &[
            c("350100", "福州市", "Fuzhou (Fujian)"),
            c("350200", "厦门市", "Xiamen"),
            c("350300", "莆田市", "Putian"),
            c("350400", "三明市", "Sanming"),
            c("350500", "泉州市", "Quanzhou"),
            c("350600", "漳州市", "Zhangzhou"),
            c("350700", "南平市", "Nanping"),
            c("350800", "龙岩市", "Longyan"),
            c("350900", "宁德市", "Ningde"),
        ],
    ),
    p(
        "360000",
        "江西省",
        "Jiangxi",
        &[
            c("360100", "南昌市", "Nanchang"),
            c("360200", "景德镇市", "Jingdezhen"),
            c("360300", "萍乡市", "Pingxiang"),
            c("360400", "九江市", "Jiujiang"),
            c("360500", "新余市", "Xinyu"),
            c("360600", "鹰潭市", "Yingtan"),
            c("360700", "赣州市", "Ganzhou"),
            c("360800", "吉安市", "Ji'an"),
            c("360900", "宜春市", "Yichun (Jiangxi)"),
            c("361000", "抚州市", "Fuzhou (Jiangxi)"),
            c("361100", "上饶市", "Shangrao"),
        ],
    ),
    p(
        "370000",
        "山东省",
        "Shandong",
        &[
            c("370100", "济南市", "Jinan"),
            c("370200", "青岛市", "Qingdao"),
            c("370300", "淄博市", "Zibo"),
            c("370400", "枣庄市", "Zaozhuang"),
            c("370500", "东营市", "Dongying"),
            c("370600", "烟台市", "Yantai"),
            c("370700", "潍坊市", "Weifang"),
            c("370800", "济宁市", "Jining"),
            c("370900", "泰安市", "Tai'an"),
            c("371000", "威海市", "Weihai"),
            c("371100", "日照市", "Rizhao"),
            c("371300", "临沂市", "Linyi"),
            c("371400", "德州市", "Dezhou"),
            c("371500", "聊城市", "Liaocheng"),
            c("371600", "滨州市", "Binzhou"),
            c("371700", "菏泽市", "Heze"),
        ],
    ),
    p(
        "410000",
        "河南省",
        "Henan",
        &[
            c("410100", "郑州市", "Zhengzhou"),
            c("410200", "开封市", "Kaifeng"),
            c("410300", "洛阳市", "Luoyang"),
            c("410400", "平顶山市", "Pingdingshan"),
            c("410500", "安阳市", "Anyang"),
            c("410600", "鹤壁市", "Hebi"),
            c("410700", "新乡市", "Xinxiang"),
            c("410800", "焦作市", "Jiaozuo"),
            c("410900", "濮阳市", "Puyang"),
            c("411000", "许昌市", "Xuchang"),
            c("411100", "漯河市", "Luohe"),
            c("411200", "三门峡市", "Sanmenxia"),
            c("411300", "南阳市", "Nanyang"),
            c("411400", "商丘市", "Shangqiu"),
            c("411500", "信阳市", "Xinyang"),
            c("411600", "周口市", "Zhoukou"),
            c("411700", "驻马店市", "Zhumadian"),
            c("419001", "济源市", "Jiyuan"),
        ],
    ),
    p(
        "420000",
        "湖北省",
        "Hubei",
        &[
            c("420100", "武汉市", "Wuhan"),
            c("420200", "黄石市", "Huangshi"),
            c("420300", "十堰市", "Shiyan"),
            c("420500", "宜昌市", "Yichang"),
            c("420600", "襄阳市", "Xiangyang"),
            c("420700", "鄂州市", "Ezhou"),
            c("420800", "荆门市", "Jingmen"),
            c("420900", "孝感市", "Xiaogan"),
            c("421000", "荆州市", "Jingzhou"),
            c("421100", "黄冈市", "Huanggang"),
            c("421200", "咸宁市", "Xianning"),
            c("421300", "随州市", "Suizhou"),
            c(
                "422800",
                "恩施土家族苗族自治州",
                "Enshi Tujia and Miao Autonomous Prefecture",
            ),
            c("429004", "仙桃市", "Xiantao"),
            c("429005", "潜江市", "Qianjiang"),
            c("429006", "天门市", "Tianmen"),
            c("429021", "神农架林区", "Shennongjia Forestry District"),
        ],
    ),
    p(
        "430000",
        "湖南省",
        "Hunan",
        &[
            c("430100", "长沙市", "Changsha"),
            c("430200", "株洲市", "Zhuzhou"),
            c("430300", "湘潭市", "Xiangtan"),
            c("430400", "衡阳市", "Hengyang"),
            c("430500", "邵阳市", "Shaoyang"),
            c("430600", "岳阳市", "Yueyang"),
            c("430700", "常德市", "Changde"),
            c("430800", "张家界市", "Zhangjiajie"),
            c("430900", "益阳市", "Yiyang"),
            c("431000", "郴州市", "Chenzhou"),
            c("431100", "永州市", "Yongzhou"),
            c("431200", "怀化市", "Huaihua"),
            c("431300", "娄底市", "Loudi"),
            c(
                "433100",
                "湘西土家族苗族自治州",
                "Xiangxi Tujia and Miao Autonomous Prefecture",
            ),
        ],
    ),
    p(
        "440000",
        "广东省",
        "Guangdong",
        &[
            c("440100", "广州市", "Guangzhou"),
            c("440200", "韶关市", "Shaoguan"),
            c("440300", "深圳市", "Shenzhen"),
            c("440400", "珠海市", "Zhuhai"),
            c("440500", "汕头市", "Shantou"),
            c("440600", "佛山市", "Foshan"),
            c("440700", "江门市", "Jiangmen"),
            c("440800", "湛江市", "Zhanjiang"),
            c("440900", "茂名市", "Maoming"),
            c("441200", "肇庆市", "Zhaoqing"),
            c("441300", "惠州市", "Huizhou"),
            c("441400", "梅州市", "Meizhou"),
            c("441500", "汕尾市", "Shanwei"),
            c("441600", "河源市", "Heyuan"),
            c("441700", "阳江市", "Yangjiang"),
            c("441800", "清远市", "Qingyuan"),
            c("441900", "东莞市", "Dongguan"),
            c("442000", "中山市", "Zhongshan"),
            c("445100", "潮州市", "Chaozhou"),
            c("445200", "揭阳市", "Jieyang"),
            c("445300", "云浮市", "Yunfu"),
        ],
    ),
    p(
        "450000",
        "广西壮族自治区",
        "Guangxi",
        &[
            c("450100", "南宁市", "Nanning"),
            c("450200", "柳州市", "Liuzhou"),
            c("450300", "桂林市", "Guilin"),
            c("450400", "梧州市", "Wuzhou"),
            c("450500", "北海市", "Beihai"),
            c("450600", "防城港市", "Fangchenggang"),
            c("450700", "钦州市", "Qinzhou"),
            c("450800", "贵港市", "Guigang"),
            c("450900", "玉林市", "Yulin (Guangxi)"),
            c("451000", "百色市", "Baise"),
            c("451100", "贺州市", "Hezhou"),
            c("451200", "河池市", "Hechi"),
            c("451300", "来宾市", "Laibin"),
            c("451400", "崇左市", "Chongzuo"),
        ],
    ),
    p(
        "460000",
        "海南省",
        "Hainan",
        &[
            c("460100", "海口市", "Haikou"),
            c("460200", "三亚市", "Sanya"),
            c("460300", "三沙市", "Sansha"),
            c("460400", "儋州市", "Danzhou"),
            c("469001", "五指山市", "Wuzhishan"),
            c("469002", "琼海市", "Qionghai"),
            c("469005", "文昌市", "Wenchang"),
            c("469006", "万宁市", "Wanning"),
            c("469007", "东方市", "Dongfang"),
            c("469021", "定安县", "Ding'an County"),
            c("469022", "屯昌县", "Tunchang County"),
            c("469023", "澄迈县", "Chengmai County"),
            c("469024", "临高县", "Lingao County"),
            c("469025", "白沙黎族自治县", "Baisha Li Autonomous County"),
            c(
                "469026",
                "昌江黎族自治县",
                "Changjiang Li Autonomous County",
            ),
            c("469027", "乐东黎族自治县", "Ledong Li Autonomous County"),
            c("469028", "陵水黎族自治县", "Lingshui Li Autonomous County"),
            c(
                "469029",
                "保亭黎族苗族自治县",
                "Baoting Li and Miao Autonomous County",
            ),
            c(
                "469030",
                "琼中黎族苗族自治县",
                "Qiongzhong Li and Miao Autonomous County",
            ),
        ],
    ),
    p(
        "500000",
        "重庆市",
        "Chongqing",
        &[c("500100", "重庆市", "Chongqing")],
    ),
    p(
        "510000",
        "四川省",
        "Sichuan",
        &[
            c("510100", "成都市", "Chengdu"),
            c("510300", "自贡市", "Zigong"),
            c("510400", "攀枝花市", "Panzhihua"),
            c("510500", "泸州市", "Luzhou"),
            c("510600", "德阳市", "Deyang"),
            c("510700", "绵阳市", "Mianyang"),
            c("510800", "广元市", "Guangyuan"),
            c("510900", "遂宁市", "Suining"),
            c("511000", "内江市", "Neijiang"),
            c("511100", "乐山市", "Leshan"),
            c("511300", "南充市", "Nanchong"),
            c("511400", "眉山市", "Meishan"),
            c("511500", "宜宾市", "Yibin"),
            c("511600", "广安市", "Guang'an"),
            c("511700", "达州市", "Dazhou"),
            c("511800", "雅安市", "Ya'an"),
            c("511900", "巴中市", "Bazhong"),
            c("512000", "资阳市", "Ziyang"),
            c(
                "513200",
                "阿坝藏族羌族自治州",
                "Ngawa Tibetan and Qiang Autonomous Prefecture",
            ),
            c(
                "513300",
                "甘孜藏族自治州",
                "Garzê Tibetan Autonomous Prefecture",
            ),
            c(
                "513400",
                "凉山彝族自治州",
                "Liangshan Yi Autonomous Prefecture",
            ),
        ],
    ),
    p(
        "520000",
        "贵州省",
        "Guizhou",
        &[
            c("520100", "贵阳市", "Guiyang"),
            c("520200", "六盘水市", "Liupanshui"),
            c("520300", "遵义市", "Zunyi"),
            c("520400", "安顺市", "Anshun"),
            c("520500", "毕节市", "Bijie"),
            c("520600", "铜仁市", "Tongren"),
            c(
                "522300",
                "黔西南布依族苗族自治州",
                "Qianxinan Buyei and Miao Autonomous Prefecture",
            ),
            c(
                "522600",
                "黔东南苗族侗族自治州",
                "Qiandongnan Miao and Dong Autonomous Prefecture",
            ),
            c(
                "522700",
                "黔南布依族苗族自治州",
                "Qiannan Buyei and Miao Autonomous Prefecture",
            ),
        ],
    ),
    p(
        "530000",
        "云南省",
        "Yunnan",
        &[
            c("530100", "昆明市", "Kunming"),
            c("530300", "曲靖市", "Qujing"),
            c("530400", "玉溪市", "Yuxi"),
            c("530500", "保山市", "Baoshan"),
            c("530600", "昭通市", "Zhaotong"),
            c("530700", "丽江市", "Lijiang"),
            c("530800", "普洱市", "Pu'er"),
            c("530900", "临沧市", "Lincang"),
            c(
                "532300",
                "楚雄彝族自治州",
                "Chuxiong Yi Autonomous Prefecture",
            ),
            c(
                "532500",
                "红河哈尼族彝族自治州",
                "Honghe Hani and Yi Autonomous Prefecture",
            ),
            c(
                "532600",
                "文山壮族苗族自治州",
                "Wenshan Zhuang and Miao Autonomous Prefecture",
            ),
            c(
                "532800",
                "西双版纳傣族自治州",
                "Xishuangbanna Dai Autonomous Prefecture",
            ),
            c("532900", "大理白族自治州", "Dali Bai Autonomous Prefecture"),
            c(
                "533100",
                "德宏傣族景颇族自治州",
                "Dehong Dai and Jingpo Autonomous Prefecture",
            ),
            c(
                "533300",
                "怒江傈僳族自治州",
                "Nujiang Lisu Autonomous Prefecture",
            ),
            c(
                "533400",
                "迪庆藏族自治州",
                "Dêqên Tibetan Autonomous Prefecture",
            ),
        ],
    ),
    p(
        "540000",
        "西藏自治区",
        "Xizang (Tibet)",
        &[
            c("540100", "拉萨市", "Lhasa"),
            c("540200", "日喀则市", "Shigatse"),
            c("540300", "昌都市", "Qamdo"),
            c("540400", "林芝市", "Nyingchi"),
            c("540500", "山南市", "Shannan"),
            c("540600", "那曲市", "Nagqu"),
            c("542500", "阿里地区", "Ngari Prefecture"),
        ],
    ),
    p(
        "610000",
        "陕西省",
        "Shaanxi",
        &[
            c("610100", "西安市", "Xi'an"),
            c("610200", "铜川市", "Tongchuan"),
            c("610300", "宝鸡市", "Baoji"),
            c("610400", "咸阳市", "Xianyang"),
            c("610500", "渭南市", "Weinan"),
            c("610600", "延安市", "Yan'an"),
            c("610700", "汉中市", "Hanzhong"),
            c("610800", "榆林市", "Yulin (Shaanxi)"),
            c("610900", "安康市", "Ankang"),
            c("611000", "商洛市", "Shangluo"),
        ],
    ),
    p(
        "620000",
        "甘肃省",
        "Gansu",
        &[
            c("620100", "兰州市", "Lanzhou"),
            c("620200", "嘉峪关市", "Jiayuguan"),
            c("620300", "金昌市", "Jinchang"),
            c("620400", "白银市", "Baiyin"),
            c("620500", "天水市", "Tianshui"),
            c("620600", "武威市", "Wuwei"),
            c("620700", "张掖市", "Zhangye"),
            c("620800", "平凉市", "Pingliang"),
            c("620900", "酒泉市", "Jiuquan"),
            c("621000", "庆阳市", "Qingyang"),
            c("621100", "定西市", "Dingxi"),
            c("621200", "陇南市", "Longnan"),
            c(
                "622900",
                "临夏回族自治州",
                "Linxia Hui Autonomous Prefecture",
            ),
            c(
                "623000",
                "甘南藏族自治州",
                "Gannan Tibetan Autonomous Prefecture",
            ),
        ],
    ),
    p(
        "630000",
        "青海省",
        "Qinghai",
        &[
            c("630100", "西宁市", "Xining"),
            c("630200", "海东市", "Haidong"),
            c(
                "632200",
                "海北藏族自治州",
                "Haibei Tibetan Autonomous Prefecture",
            ),
            c(
                "632300",
                "黄南藏族自治州",
                "Huangnan Tibetan Autonomous Prefecture",
            ),
            c(
                "632500",
                "海南藏族自治州",
                "Hainan Tibetan Autonomous Prefecture",
            ),
            c(
                "632600",
                "果洛藏族自治州",
                "Golog Tibetan Autonomous Prefecture",
            ),
            c(
                "632700",
                "玉树藏族自治州",
                "Yushu Tibetan Autonomous Prefecture",
            ),
            c(
                "632800",
                "海西蒙古族藏族自治州",
                "Haixi Mongol and Tibetan Autonomous Prefecture",
            ),
        ],
    ),
    p(
        "640000",
        "宁夏回族自治区",
        "Ningxia",
        &[
            c("640100", "银川市", "Yinchuan"),
            c("640200", "石嘴山市", "Shizuishan"),
            c("640300", "吴忠市", "Wuzhong"),
            c("640400", "固原市", "Guyuan"),
            c("640500", "中卫市", "Zhongwei"),
        ],
    ),
    p(
        "650000",
        "新疆维吾尔自治区",
        "Xinjiang",
        &[
            c("650100", "乌鲁木齐市", "Ürümqi"),
            c("650200", "克拉玛依市", "Karamay"),
            c("650400", "吐鲁番市", "Turpan"),
            c("650500", "哈密市", "Hami"),
            c(
                "652300",
                "昌吉回族自治州",
                "Changji Hui Autonomous Prefecture",
            ),
            c(
                "652700",
                "博尔塔拉蒙古自治州",
                "Bortala Mongol Autonomous Prefecture",
            ),
            c(
                "652800",
                "巴音郭楞蒙古自治州",
                "Bayingolin Mongol Autonomous Prefecture",
            ),
            c("652900", "阿克苏地区", "Aksu Prefecture"),
            c(
                "653000",
                "克孜勒苏柯尔克孜自治州",
                "Kizilsu Kirghiz Autonomous Prefecture",
            ),
            c("653100", "喀什地区", "Kashgar Prefecture"),
            c("653200", "和田地区", "Hotan Prefecture"),
            c(
                "654000",
                "伊犁哈萨克自治州",
                "Ili Kazakh Autonomous Prefecture",
            ),
            c("654200", "塔城地区", "Tacheng Prefecture"),
            c("654300", "阿勒泰地区", "Altay Prefecture"),
            c("659001", "石河子市", "Shihezi"),
            c("659002", "阿拉尔市", "Aral"),
            c("659003", "图木舒克市", "Tumxuk"),
            c("659004", "五家渠市", "Wujiaqu"),
            c("659005", "北屯市", "Beitun"),
            c("659006", "铁门关市", "Tiemenguan"),
            c("659007", "双河市", "Shuanghe"),
            c("659008", "可克达拉市", "Kokdala"),
            c("659009", "昆玉市", "Kunyu"),
            c("659010", "胡杨河市", "Huyanghe"),
            c("659011", "新星市", "Xinxing"),
            c("659012", "白杨市", "Baiyang"),
        ],
    ),
    p(
        "710000",
        "台湾省",
        "Taiwan",
        &[c("710000", "台湾省", "Taiwan")],
    ),
    p(
        "810000",
        "香港特别行政区",
        "Hong Kong",
        &[c("810000", "香港特别行政区", "Hong Kong")],
    ),
    p(
        "820000",
        "澳门特别行政区",
        "Macao",
        &[c("820000", "澳门特别行政区", "Macao")],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_34_provinces_and_333_prefecture_level_divisions() {
        assert_eq!(PROVINCES.len(), 34);
        let prefecture_level = PROVINCES
            .iter()
            .flat_map(|p| p.cities)
            .filter(|c| {
                let municipality_or_sar =
                    ["11", "12", "31", "50", "71", "81", "82"].contains(&&c.code[..2]);
                // 省直辖县级行政区划 have 90 as their third and fourth digits.
                !municipality_or_sar && &c.code[2..4] != "90"
            })
            .count();
        assert_eq!(prefecture_level, 333);
    }

    #[test]
    fn codes_are_six_digits_unique_in_order_and_cities_sit_in_their_province() {
        let mut seen = std::collections::HashSet::new();
        let mut last = "";
        for p in PROVINCES {
            assert!(p.code.len() == 6 && p.code.ends_with("0000"), "{}", p.code);
            assert!(p.code > last, "{} out of order", p.code);
            last = p.code;
            assert!(!p.cities.is_empty(), "{}", p.name_zh);
            for c in p.cities {
                assert_eq!(c.code.len(), 6);
                assert!(c.code.bytes().all(|b| b.is_ascii_digit()));
                assert_eq!(&c.code[..2], &p.code[..2], "{}", c.name_zh);
                assert_eq!(c.province().code, p.code);
                assert!(seen.insert(c.code), "{} twice", c.code);
            }
        }
    }

    #[test]
    fn provinces_and_cities_are_found_by_code_full_name_short_name_and_english() {
        for s in ["440000", "广东省", "广东", "guangdong"] {
            assert_eq!(province(s).map(|p| p.code), Some("440000"), "{s}");
        }
        assert_eq!(province("内蒙古").map(|p| p.code), Some("150000"));
        let gd = province("广东").unwrap();
        for s in ["440300", "深圳市", "深圳", "Shenzhen"] {
            assert_eq!(gd.city(s).map(|c| c.code), Some("440300"), "{s}");
        }
        assert_eq!(gd.city("杭州"), None, "a city of another province");
        assert_eq!(city("杭州").map(|c| c.province().code), Some("330000"));
        // 吉林市 is a city of 吉林省; the short name of the province and the city agree, and the
        // city is still found by its full name.
        assert_eq!(city("吉林市").map(|c| c.code), Some("220200"));
        assert_eq!(province("粤"), None);
        assert_eq!(province("广东省 "), province("广东省"));
    }

    #[test]
    fn a_place_is_parsed_per_field_and_a_city_must_lie_in_its_province() {
        let (p, c) = parse_place("广东", "深圳市").unwrap();
        assert_eq!(
            (p.map(|p| p.code), c.map(|c| c.code)),
            (Some("440000"), Some("440300"))
        );
        let (p, c) = parse_place("", "330100").unwrap();
        assert_eq!(
            (p.map(|p| p.code), c.map(|c| c.code)),
            (Some("330000"), Some("330100"))
        );
        assert_eq!(parse_place(" ", "").unwrap(), (None, None));
        let e = parse_place("广东省", "杭州").unwrap_err();
        assert_eq!(
            e.0,
            vec![FieldError::with_arg("city", CITY_UNKNOWN, "440000")]
        );
        let e = parse_place("华南", "深圳").unwrap_err();
        assert_eq!(e.0, vec![FieldError::new("province", PROVINCE_UNKNOWN)]);
        let e = parse_place("", "浦东新区").unwrap_err();
        assert_eq!(e.0, vec![FieldError::new("city", CITY_UNKNOWN)]);
        assert_eq!(
            parse_industry("industry", "软件").unwrap_err().code,
            INDUSTRY_UNKNOWN
        );
        assert_eq!(
            parse_industry("industry", "I").unwrap().map(|i| i.code),
            Some("I")
        );
    }

    #[test]
    fn industries_are_the_twenty_sections_found_by_letter_or_name() {
        assert_eq!(INDUSTRIES.len(), 20);
        let letters: String = INDUSTRIES.iter().map(|i| i.code).collect();
        assert_eq!(letters, "ABCDEFGHIJKLMNOPQRST");
        assert_eq!(industry("i").map(|i| i.code), Some("I"));
        assert_eq!(industry("制造业").map(|i| i.code), Some("C"));
        assert_eq!(industry("manufacturing").map(|i| i.code), Some("C"));
        assert_eq!(industry("软件"), None);
    }
}
