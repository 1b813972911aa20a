//! Character tables for name comparison keys.
//!
//! * `TRADITIONAL`: traditional → simplified for the ~560 traditional characters most often met in names
//!   (the common surnames of the 百家姓 and the frequent given-name characters). Records typed on a
//!   traditional-character input method, or copied from Hong Kong / Taiwan documents, then compare equal.
//! * `VARIANTS`: variant ideographs (异体字, including Japanese shinjitai forms met in old paper files)
//!   → the standard form. CJK *compatibility* ideographs (U+F900–U+FAFF) and Kangxi radicals need no table:
//!   Unicode NFKC maps them.
//!
//! Both tables are written as pairs `source target` in one string each and loaded once into a hash
//! map. The maps only build comparison keys; names are never rewritten in the output.

use rustc_hash::FxHashMap;
use std::sync::LazyLock;

const TRADITIONAL: &str = "\
陳陈張张劉刘楊杨黃黄趙赵吳吴孫孙馬马羅罗鄭郑謝谢許许韓韩馮冯鄧邓蕭萧葉叶蔣蒋蘇苏呂吕盧卢\
鍾钟鐘钟譚谭陸陆賈贾韋韦鄒邹閆闫龍龙賀贺顧顾龔龚萬万錢钱嚴严湯汤溫温齊齐喬乔龐庞顏颜莊庄\
聶聂魯鲁歐欧關关蘭兰寧宁紀纪淩凌畢毕單单塗涂駱骆藍蓝鮑鲍華华饒饶陽阳時时農农繆缪簡简車车\
項项連连蘆芦麥麦婁娄竇窦黨党宮宫費费衛卫師师欒栾榮荣叢丛鞏巩遲迟鄺邝談谈荊荆樂乐儲储勞劳\
諶谌鄔邬邊边閔闵應应壽寿鄴邺鳳凤惲恽貝贝賴赖薑姜\
偉伟強强軍军傑杰濤涛鵬鹏輝辉鋒锋東东國国紅红麗丽豔艳艷艳靜静穎颖潔洁飛飞寶宝貴贵順顺剛刚\
廣广慶庆興兴達达發发財财義义禮礼賢贤聖圣憲宪勝胜傳传雲云夢梦嬌娇鶯莺鵑鹃瑩莹瓊琼嬋婵瑤瑶\
愛爱鳴鸣學学書书長长億亿豐丰滿满進进運运遠远選选鄉乡銀银鐵铁錦锦銘铭鎮镇鋼钢釗钊鈞钧錫锡\
鍵键鑒鉴園园圓圆團团場场藝艺薈荟蓮莲葦苇萊莱蕓芸蘋苹茲兹濱滨淵渊漢汉澤泽瀾澜灣湾濟济潤润\
湧涌溝沟漁渔燦灿煒炜燁烨爍烁燈灯煥焕煙烟熱热懷怀憶忆戀恋態态悅悦驚惊聰聪聲声聯联職职聞闻\
開开閃闪閣阁闊阔問问間间闖闯陰阴隊队隨随險险際际韻韵頌颂領领頭头顯显風风飄飘駿骏騰腾驊骅\
驥骥體体髮发鬆松魚鱼鮮鲜鴻鸿鶴鹤鷹鹰點点齡龄龜龟嶺岭島岛歲岁歷历曆历樹树楓枫樺桦棟栋樓楼\
權权機机標标橋桥檢检櫻樱欄栏殘残氣气瀟潇灑洒無无爺爷猶犹獨独獻献環环現现璣玑瓏珑產产畝亩\
畫画異异當当盡尽監监盤盘碩硕確确禎祯禱祷稱称穩稳窮穷競竞筆笔節节範范築筑籃篮約约純纯紗纱\
紛纷細细紹绍終终組组結结絲丝經经綠绿維维綱纲網网綿绵緒绪線线練练縣县總总績绩繼继續续纓缨\
羨羡習习翹翘脫脱腦脑舊旧蒼苍蓋盖藥药蘊蕴號号蝦虾術术裝装見见規规視视親亲覺觉觀观訓训記记\
詩诗誠诚話话誌志語语說说課课調调請请論论諾诺謙谦講讲謹谨證证識识譽誉讓让貞贞貿贸資资賓宾\
賞赏贈赠贊赞躍跃軒轩輕轻輪轮遊游過过違违適适遷迁遺遗邁迈還还郵邮醫医釋释鈴铃鉅钜銅铜錚铮\
鏡镜門门閏闰閒闲雙双雞鸡離离難难電电靈灵頂顶須须頤颐頻频願愿養养駕驾驗验鬥斗鳥鸟鴿鸽鵝鹅\
瑋玮琿珲僑侨儀仪優优儷俪兒儿兩两內内凱凯劍剑勁劲勳勋勵励勸劝區区協协卻却厲厉參参圍围圖图\
堅坚執执報报壯壮夠够奪夺奮奋婦妇媽妈嫻娴實实寬宽將将專专尋寻對对層层屬属岡冈崗岗嶽岳帥帅\
帶带幫帮幹干廠厂廳厅彈弹彥彦徑径從从復复徵征憑凭戰战擁拥擇择敵敌數数斕斓斷断晉晋暉晖曉晓\
暢畅會会條条來来歡欢歸归滄沧漣涟潛潜濃浓瀅滢灝灏爾尔牆墙狀状獎奖瑪玛璽玺瓔璎甌瓯疇畴眾众\
碼码磚砖禪禅種种穀谷積积窩窝紋纹綺绮緣缘緯纬縈萦繡绣繽缤罷罢肅肃膽胆臺台與与舉举藹蔼虛虚\
蟬蝉補补覽览訊讯詠咏誼谊諧谐謀谋賽赛贏赢趕赶輔辅輯辑轉转辦办遜逊鄰邻釣钓鈺钰錄录鍊炼鎧铠\
閩闽陣阵隱隐雜杂雖虽霧雾韜韬響响頁页頓顿頒颁額额顥颢颯飒飯饭館馆騏骐驕骄鬱郁鳩鸠鷗鸥齋斋\
婭娅嫺娴嵐岚巖岩鏈链釧钏銳锐鑄铸鐸铎軼轶輿舆倫伦備备儉俭價价則则創创劃划動动務务勢势匯汇\
壓压雛雏熒荧營营螢萤滎荥亞亚侶侣係系俠侠倆俩倉仓個个們们偵侦側侧傘伞僅仅兌兑兗兖冊册凍冻\
勻匀貫贯鴨鸭鷺鹭鸞鸾鳶鸢鵲鹊鸝鹂綸纶絢绚綾绫繹绎纖纤紳绅紡纺紐纽絹绢綵彩縵缦潁颍頎颀頡颉\
顓颛濰潍漿浆瀏浏淺浅滌涤潯浔澗涧濺溅瀝沥灤滦灘滩燉炖爐炉牽牵犢犊狹狭獅狮瑣琐璉琏瑒玚瓚瓒\
瘋疯皚皑盞盏睞睐礎础禍祸稅税穌稣窺窥竄窜筍笋箏筝簫箫籌筹糧粮紈纨紮扎紺绀絃弦綜综緞缎緻致\
縱纵繩绳罰罚翺翱聳耸聽听脅胁膚肤臉脸艦舰艱艰莖茎莢荚蔭荫蕩荡薊蓟薦荐薩萨藺蔺蘿萝虧亏蠶蚕\
衝冲裏里裡里褲裤襪袜覓觅詢询詳详誕诞誦诵諒谅諸诸謠谣譜谱護护讀读變变豈岂豎竖豬猪貓猫貢贡\
貧贫販贩貨货責责賦赋賜赐質质購购贍赡趨趋跡迹踐践蹤踪載载輛辆輸输轟轰辭辞迴回週周遞递遙遥\
鄖郧醜丑醬酱釀酿針针釘钉鈔钞鈕钮鉛铅鉑铂銓铨銜衔銷销鋪铺錐锥鍋锅鍛锻鎖锁鎬镐鏢镖鐳镭閑闲\
閱阅闆板闡阐陝陕隴陇隸隶雋隽霽霁靄霭靚靓韌韧頰颊顆颗顛颠顫颤飲饮飾饰餅饼饋馈馳驰駐驻駝驼\
騎骑騷骚驅驱驟骤髒脏鬧闹鯉鲤鯨鲸鰲鳌鱗鳞鴉鸦鵡鹉鸚鹦鹼碱麵面黴霉齒齿龕龛決决況况涼凉減减";

const VARIANTS: &str = "\
峯峰羣群綫线邨村砲炮栢柏煕熙凖准敎教靑青眞真黒黑顔颜姫姬沢泽斉齐竜龙恵惠亜亚広广徳德衞卫\
淸清吿告喆哲堃坤昇升甦苏寳宝囯国冨富兎兔秊年曺曹珎珍覇霸逹达峩峨嶋岛嵗岁歳岁畵画絶绝緑绿\
県县単单戸户戶户亙亘姉姊彊强衆众畧略晳皙汚污浄净氷冰";

fn load(pairs: &str, map: &mut FxHashMap<char, char>) {
    let chars: Vec<char> = pairs.chars().collect();
    for pair in chars.chunks_exact(2) {
        map.insert(pair[0], pair[1]);
    }
}

static MAP: LazyLock<FxHashMap<char, char>> = LazyLock::new(|| {
    let mut map = FxHashMap::default();
    load(TRADITIONAL, &mut map);
    load(VARIANTS, &mut map);
    map
});

/// The simplified, standard form of one ideograph (the character itself when the tables do not list it).
pub fn simplify(c: char) -> char {
    MAP.get(&c).copied().unwrap_or(c)
}

/// Compound (two-character) surnames, 复姓.
pub const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "万俟", "单于", "澹台", "呼延", "端木", "独孤", "南宫", "西门", "百里",
    "赫连", "拓跋", "申屠", "钟离", "宗政", "濮阳", "淳于", "公冶", "太史", "闻人", "东郭", "乐正",
    "鲜于", "闾丘", "亓官", "司空", "第五", "梁丘", "左丘", "谷梁", "段干", "司寇", "巫马", "公西",
];

/// Surname readings that differ from the character's most common reading (姓氏特殊读音).
pub const SURNAME_READINGS: &[(&str, &str)] = &[
    ("单", "shan"),
    ("解", "xie"),
    ("仇", "qiu"),
    ("区", "ou"),
    ("朴", "piao"),
    ("查", "zha"),
    ("曾", "zeng"),
    ("覃", "qin"),
    ("盖", "ge"),
    ("乐", "yue"),
    ("朝", "chao"),
    ("翟", "zhai"),
    ("缪", "miao"),
    ("秘", "bi"),
    ("折", "she"),
    ("召", "shao"),
    ("种", "chong"),
    ("繁", "po"),
    ("员", "yun"),
    ("句", "gou"),
    ("隗", "wei"),
    ("郇", "xun"),
    ("黑", "he"),
    ("厍", "she"),
    ("訾", "zi"),
    ("尉", "wei"),
    ("长", "zhang"),
    ("蔚", "yu"),
    ("能", "nai"),
    ("佴", "nai"),
    ("冼", "xian"),
    ("粘", "nian"),
    ("阚", "kan"),
    ("眭", "sui"),
    ("逄", "pang"),
    ("乜", "nie"),
    ("仉", "zhang"),
    ("柏", "bai"),
    ("薄", "bo"),
    ("牟", "mou"),
    ("便", "pian"),
    ("祭", "zhai"),
    ("相", "xiang"),
    ("石", "shi"),
    ("重", "chong"),
    ("都", "du"),
    ("沈", "shen"),
    ("贾", "jia"),
    ("尉迟", "yuchi"),
    ("万俟", "moqi"),
    ("长孙", "zhangsun"),
    ("单于", "chanyu"),
    ("澹台", "tantai"),
    ("乐正", "yuezheng"),
    ("令狐", "linghu"),
    ("皇甫", "huangfu"),
    ("上官", "shangguan"),
    ("欧阳", "ouyang"),
    ("司马", "sima"),
    ("诸葛", "zhuge"),
    ("东方", "dongfang"),
    ("公孙", "gongsun"),
    ("慕容", "murong"),
    ("宇文", "yuwen"),
    ("夏侯", "xiahou"),
    ("轩辕", "xuanyuan"),
    ("司徒", "situ"),
    ("呼延", "huyan"),
    ("端木", "duanmu"),
    ("独孤", "dugu"),
    ("南宫", "nangong"),
    ("西门", "ximen"),
    ("百里", "baili"),
    ("赫连", "helian"),
    ("拓跋", "tuoba"),
    ("申屠", "shentu"),
    ("钟离", "zhongli"),
    ("宗政", "zongzheng"),
    ("濮阳", "puyang"),
    ("淳于", "chunyu"),
    ("公冶", "gongye"),
    ("太史", "taishi"),
    ("闻人", "wenren"),
    ("东郭", "dongguo"),
    ("鲜于", "xianyu"),
    ("闾丘", "lvqiu"),
    ("亓官", "qiguan"),
    ("司空", "sikong"),
    ("第五", "diwu"),
    ("梁丘", "liangqiu"),
    ("左丘", "zuoqiu"),
    ("谷梁", "guliang"),
    ("段干", "duangan"),
    ("司寇", "sikou"),
    ("巫马", "wuma"),
    ("公西", "gongxi"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_pairs_and_idempotent() {
        for table in [TRADITIONAL, VARIANTS] {
            let n = table.chars().count();
            assert_eq!(n % 2, 0);
            for pair in table.chars().collect::<Vec<_>>().chunks_exact(2) {
                assert_ne!(pair[0], pair[1], "{pair:?}");
                assert_eq!(
                    simplify(pair[1]),
                    pair[1],
                    "target {} is itself mapped",
                    pair[1]
                );
            }
        }
        assert!(MAP.len() > 500, "{}", MAP.len());
    }

    #[test]
    fn common_cases() {
        assert_eq!(simplify('陳'), '陈');
        assert_eq!(simplify('峯'), '峰');
        assert_eq!(simplify('王'), '王');
    }

    #[test]
    fn every_compound_surname_has_a_reading() {
        for s in COMPOUND_SURNAMES {
            assert!(SURNAME_READINGS.iter().any(|(k, _)| k == s), "{s}");
        }
    }
}
