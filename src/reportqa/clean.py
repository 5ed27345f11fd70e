"""Boilerplate removal for scraped Chinese reports: pure text in, cleaned text and metadata out.

Works line by line. Each line is classified (navigation, share/tool, disclaimer, spam,
metadata, image name, ...) and dropped or kept; the kept lines become paragraphs separated
by one blank line, and a paragraph broken mid-sentence is rejoined when the junction shows it.
The original script is kept (no traditional → simplified conversion of the text). The output
depends only on the input string, so cleaning the same bytes twice gives the same text.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

import jieba

from .textnorm import simplified

# --- character classes ---------------------------------------------------------------------
TERMINAL = "。！？!?；;…."  # a line ending in one of these ends a sentence
CLOSING = "”’」』）)】》〕\"'"  # closing quotes/brackets: treat as a sentence end too
CONTINUING = "，,、（(“‘《【〔"  # a line ending in one of these is obviously mid-sentence
CAPTION_MARKS = "■□▲△▼●○◆◇★☆▶►◤◥"
UNIT_CHARS = "万亿千百元个名人户家年月日号次%％"
MIN_JOIN_CHARS = 20  # a shorter line is never treated as the first half of a broken paragraph
MAX_HEADING_CHARS = 30
BODY_MIN_CHARS = 40  # a "body paragraph" marks the end of the page header zone
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Reading aids some mirror sites inject after characters: 網(wǎng), 產（chǎn） — toned pinyin only,
# so (GDP) or (2023) stay
_PINYIN_AID = re.compile(r"(?<=[\u3400-\u9fff])[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


@dataclass(frozen=True)
class CleanResult:
    """Cleaned body text plus the metadata found in the page header."""

    text: str
    title: str = ""
    date: str = ""  # ISO "YYYY-MM-DD" or ""
    source: str = ""


@dataclass
class _Line:
    text: str  # stripped
    indented: bool  # the raw line started with an indentation (new-paragraph signal)
    blank_before: bool  # at least one blank line separates it from the previous line


# --- spam: weighted keyword lexicon in both scripts ------------------------------------------
_SPAM_STRONG = (  # unambiguous porn/gambling words (2 points)
    "无码 無碼 有码 有碼 一区二区 一區二區 二区三区 二區三區 寡妇 寡婦 焖骚 燜騷 人妻 偷拍 自拍偷 裸聊 约炮 約炮 "
    "成人视频 成人視頻 成人影院 色情 黄色网站 黃色網站 精产国品 精產國品 av女优 av女優 欧美色 歐美色 激情视频 "
    "激情視頻 百家乐 百家樂 六合彩 博彩 赌场 賭場 娱乐城 娛樂城 老虎机 老虎機 葡京 时时彩 時時彩 北京赛车 北京賽車"
).split()
_SPAM_WEAK = (  # words that also occur in ordinary reports (1 point)
    "影院 国产 國產 在线观看 在線觀看 入口 专区 專區 亚洲 亞洲 精品 免费观看 免費觀看 高清 视频 視頻 美女 "
    "诱惑 誘惑 午夜 福利 久久 麻豆 老司机 老司機 开户 開戶 彩金 注册送 註冊送 下注 真人 澳门 澳門 网站 網站 "
    "不卡 日韩 日韓 中文字幕 威尼斯人 太阳城 太陽城 棋牌 体育投注 體育投注"
).split()
_SPAM_AV = re.compile(r"(?<![a-z])av(?![a-z])", re.IGNORECASE)
SPAM_MIN_SCORE = 5  # strong keyword = 2 points, weak = 1, "av" = 2


def spam_score(line: str) -> tuple[int, int]:
    """(weighted keyword score, number of distinct keywords) of one line."""
    strong = [w for w in _SPAM_STRONG if w in line]
    weak = [w for w in _SPAM_WEAK if w in line]
    av = 1 if _SPAM_AV.search(line) else 0
    return 2 * (len(strong) + av) + len(weak), len(strong) + len(weak) + av


def is_spam(line: str) -> bool:
    """Porn/gambling keyword lines: enough distinct keywords, dense enough for the line."""
    score, distinct = spam_score(line)
    return score >= SPAM_MIN_SCORE and distinct >= 3 and score * 15 >= len(line)


# --- navigation, share, disclaimer, ... -----------------------------------------------------
_CRUMB_PREFIX = re.compile(
    r"^(当前位置|當前位置|您的位置|你的位置|您现在的位置|您現在的位置|所在位置|现在位置|目前位置)\s*[:：]?"
)
_CRUMB_SEP = re.compile(r"\s*(?:>>|>|»|›|＞|〉)\s*")
_ARTICLE = ("正文", "详情", "詳情", "内容", "內容", "正文内容", "正文內容", "文章")
_HOME = ("首页", "首頁", "主页", "主頁", "网站首页", "網站首頁", "home", "Home", "HOME")
_WELCOME = re.compile(r"^(欢迎|歡迎)(来到|來到|访问|訪問|光临|光臨|进入|進入)")
_BANNER = re.compile(r"^[\w·・\-]{2,18}(网|網|网站|網站|门户|門戶|官网|官網)[!！]?$")
_SHARE = re.compile(r"^(分享|轉發|转发)(到|至)?\s*([:：].{0,20})?$")
_QR_START = re.compile(r"^(扫一扫|掃一掃|扫码|掃碼|扫描|掃描|微信扫|微信掃|长按|長按)")
_QR_WORD = re.compile(r"二维码|二維碼|扫一扫|掃一掃|扫码|掃碼")
_QR_CONTEXT = re.compile(
    r"手机|手機|打开|打開|关注|關注|分享|本页|本頁|当前页|當前頁|阅读|閱讀|下载|下載|公众号|公眾號|微信"
)
_FOLLOW = re.compile(  # "關注 · 廣州政府網", "关注我们：微信公众号"
    r"^(关注|關注)(我们|我們)?\s*"
    r"(?:[·•・:：|｜].{0,24}|.{0,20}(公众号|公眾號|微信|微博|抖音|视频号|視頻號|网|網))$"
)
_TOOL_WORDS = re.compile(
    r"听全文|聽全文|朗读|朗讀|打印本页|打印本頁|打印|关闭窗口|關閉窗口|关闭|關閉|返回顶部|返回頂部|回到顶部|回到頂部|"
    r"收藏本页|收藏|纠错|糾錯|分享到|分享|转发|轉發|微信|微博|QQ空间|QQ空間|QQ|朋友圈|"
    r"浏览次数|瀏覽次數|阅读量|閱讀量|点击量|點擊量"
)
_FONT_LINE = re.compile(r"^[【\[]?(字号|字號|字体|字體)\s*[:：]?.{0,16}$")
_NEIGHBOUR = re.compile(r"^(上一篇|下一篇|上一条|下一条|上一條|下一條|上篇|下篇)\s*[:：]")
_RELATED = re.compile(
    r"^(相关新闻|相關新聞|相关阅读|相關閱讀|相关文章|相關文章|推荐阅读|推薦閱讀|热门文章|熱門文章|相关链接|相關鏈接)[:：]?$"
)
_DISCLAIMER_LABEL = re.compile(r"^[\[【(（]?\s*(免责声明|免責聲明|版权声明|版權聲明)\s*[\]】)）:：]")
_DISCLAIMER_WORDS = re.compile(
    r"版权归原作者所有|版權歸原作者所有|如有侵权|如有侵權|仅供学习交流|僅供學習交流|不代表本站观点|不代表本站觀點|"
    r"不代表本网观点|不代表本網觀點|转载请注明|轉載請註明|转载请联系|轉載請聯繫"
)
_FOOTER_WORDS = re.compile(
    r"版权所有|版權所有|Copyright|©|ICP备|ICP備|公网安备|公網安備|网站标识码|網站標識碼|主办单位|主辦單位|"
    r"承办单位|承辦單位|技术支持|技術支持|网站地图|網站地圖|联系我们|聯繫我們"
)
_LINK_LINE = re.compile(
    r"^(原文链接|原文鏈接|原文地址|原文網址|本文链接|本文鏈接|文章链接|文章鏈接|来源链接|來源鏈接|阅读原文|閱讀原文)\s*[:：]?"
)
_URL_LINE = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_EMPTY_ATTACHMENT = re.compile(r"^(相关附件|相關附件|附件|附件下载|附件下載)\s*[:：]?$")
_MENU_SEP = re.compile(r"\s*[|｜]\s*|\s{2,}|\u3000+")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,3}\s*(页|頁)?(\s*/\s*\d{1,3}|\s*共\s*\d{1,3}\s*(页|頁))?[-—–\s]*$")
_IMAGE_NAME = re.compile(r"^[^\s/\\]{1,80}\.(png|jpe?g|gif|webp|bmp|svg|tiff?)$", re.IGNORECASE)


def _is_crumb(s: str) -> bool:
    if _CRUMB_PREFIX.match(s):
        return True
    parts = [p.strip() for p in _CRUMB_SEP.split(s) if p.strip()]
    if len(parts) < 3 or len(_CRUMB_SEP.findall(s)) < 2 or any(len(p) > 20 for p in parts):
        return False
    return parts[0] in _HOME or parts[-1] in _ARTICLE


def crumb_segments(s: str) -> list[str]:
    """The segments of a breadcrumb line, without the "当前位置:" prefix."""
    body = _CRUMB_PREFIX.sub("", s)
    return [p.strip() for p in _CRUMB_SEP.split(body) if p.strip()]


def _is_share_or_tool(s: str) -> bool:
    if _SHARE.match(s):
        return True
    if len(s) <= 40 and (_QR_START.match(s) or (_QR_WORD.search(s) and _QR_CONTEXT.search(s))):
        return True
    if len(s) <= 40 and _FOLLOW.match(s):
        return True
    if _NEIGHBOUR.match(s) or _RELATED.match(s):
        return True
    if _FONT_LINE.match(s):
        return True
    rest = re.sub(r"\d+", "", _TOOL_WORDS.sub("", s))
    return len(s) <= 40 and _TOOL_WORDS.search(s) is not None and not any(c.isalnum() for c in rest)


def _is_disclaimer_or_link(s: str) -> bool:
    if _DISCLAIMER_LABEL.match(s) or (len(s) <= 300 and _DISCLAIMER_WORDS.search(s)):
        return True
    return bool(_LINK_LINE.match(s) or _URL_LINE.match(s) or _EMPTY_ATTACHMENT.match(s))


def drop_reason(s: str) -> str | None:
    """Why a (stripped) line is boilerplate anywhere in a page, or None to keep it."""
    if not s:
        return None
    if not any(c.isalnum() for c in s):
        return "symbols only"
    if is_caption(s):
        return "spam" if is_spam(s) else None
    checks = (
        ("spam", is_spam),
        ("navigation", _is_crumb),
        ("share/tool", _is_share_or_tool),
        ("disclaimer/link", _is_disclaimer_or_link),
        ("image file name", lambda x: bool(_IMAGE_NAME.match(x))),
        ("page number", lambda x: bool(_PAGE_NUMBER.match(x))),
    )
    for reason, check in checks:
        if check(s):
            return reason
    return None


def edge_drop_reason(s: str, crumbs: set[str]) -> str | None:
    """Why a line in the page header/footer zone is site chrome (banner, welcome, footer)."""
    if len(s) <= 40 and _WELCOME.match(s):
        return "welcome banner"
    if len(s) <= 20 and (_BANNER.match(s) or s in crumbs):
        return "site banner"
    if len(s) <= 120 and _FOOTER_WORDS.search(s):
        return "site footer"
    parts = [p for p in _MENU_SEP.split(s) if p]
    if len(parts) >= 4 and all(len(p) <= 8 for p in parts) and not any(c in s for c in TERMINAL):
        return "site menu"
    return None


# --- shapes -----------------------------------------------------------------------------------
_HEADING_MARK = re.compile(  # 第一章 / 一、/ （一）/ 1、
    r"^(第[一二三四五六七八九十百零\d]+[章节節部分条條篇]|[一二三四五六七八九十]+、"
    r"|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]\D)"
)
_SPACED = re.compile(r"\S\s+\S")


def is_caption(s: str) -> bool:
    """A photo caption marked with ■ ▲ ● ... (kept as text, never merged)."""
    return bool(s) and s[0] in CAPTION_MARKS


def ends_sentence(s: str) -> bool:
    """The line ends with sentence punctuation or a closing quote/bracket."""
    return bool(s) and (s[-1] in TERMINAL or s[-1] in CLOSING)


def is_heading_like(s: str) -> bool:
    """Short, no sentence-final punctuation: a heading, kicker or headline."""
    if not s or is_caption(s) or "。" in s:
        return False
    if _HEADING_MARK.match(s) and len(s) <= 50 and s[-1] not in TERMINAL:
        return True
    return len(s) <= MAX_HEADING_CHARS and s[-1] not in TERMINAL


def _is_body(s: str) -> bool:
    return len(s) >= BODY_MIN_CHARS and not is_caption(s) and any(c in s for c in "。！？!?")


# --- metadata ---------------------------------------------------------------------------------
_LABELS = {
    "date": "发布时间 發布時間 发布日期 發布日期 发表时间 發表時間 发表日期 發表日期 发文日期 發文日期 成文日期 "
    "更新时间 更新時間 日期",
    "time": "时间 時間",
    "source": "来源 來源 信息来源 資訊來源 文章来源 文章來源 稿件来源 稿件來源 新闻来源 新聞來源 稿源",
    "other": "作者 编辑 編輯 责任编辑 責任編輯 责编 責編 记者 記者 通讯员 通訊員 摄影 攝影 浏览次数 瀏覽次數 "
    "浏览量 瀏覽量 阅读量 閱讀量 阅读次数 閱讀次數 点击数 點擊數 点击量 點擊量 访问量 訪問量 字号 字號",
}
_LABEL_KIND = {w: kind for kind, words in _LABELS.items() for w in words.split()}
_META_FIELD = re.compile(
    "(" + "|".join(sorted(_LABEL_KIND, key=len, reverse=True)) + r")\s*[:：]\s*"
)
_LEADING_TOOLS = re.compile(r"^(?:[【\[]?(听全文|聽全文|朗读|朗讀|打印|收藏|分享)[】\]]?\s*)+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME_GAP = re.compile(r"\s*(\d{1,2}:\d{2}(:\d{2})?)?\s*")
MAX_META_VALUE = 40
_BARE_DATE = re.compile(r"^[(（]?" + _DATE.pattern + r"(\s*\d{1,2}:\d{2}(:\d{2})?)?[)）]?$")


def parse_date(value: str) -> str:
    """The first valid date in ``value`` as "YYYY-MM-DD", or ""."""
    for m in _DATE.finditer(value):
        try:
            return datetime.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            continue
    return ""


def _meta_fields(s: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(leading date, [(kind, value)]) when the whole line is "label: value" fields, else None."""
    head = _LEADING_TOOLS.sub("", s)
    fields = list(_META_FIELD.finditer(head))
    if len(s) > 160 or not fields:
        return None
    leading = _DATE.match(head)
    gap = head[leading.end():fields[0].start()] if leading else head[:fields[0].start()]
    if not _TIME_GAP.fullmatch(gap):
        return None  # text before the first label: a body sentence that mentions 来源 etc.
    out = []
    for i, m in enumerate(fields):
        stop = fields[i + 1].start() if i + 1 < len(fields) else len(head)
        value = head[m.end():stop].strip()
        if len(value) > MAX_META_VALUE or any(c in value for c in "。？！?!；;"):
            return None  # "记者：您怎么看……？" is an interview question, not a byline
        out.append((_LABEL_KIND[m[1]], value))
    return (leading[0] if leading else ""), out


def parse_meta_line(s: str) -> dict[str, str] | None:
    """Fields of a "发布时间:… 来源:… 作者:…" line, or None when ``s`` is not such a line."""
    parsed = _meta_fields(s)
    if parsed is None:
        return None
    leading, fields = parsed
    if {kind for kind, _ in fields} == {"time"} and not leading:
        return None  # a lone "时间:" line may be content (an event's time), not page metadata
    meta = {"date": parse_date(leading)} if leading else {}
    for kind, value in fields:
        if kind in ("date", "time") and not meta.get("date"):
            meta["date"] = parse_date(value)
        elif kind == "source" and value and not meta.get("source"):
            meta["source"] = value.split()[0].strip("|｜,，;；")
    return {k: v for k, v in meta.items() if v}


# --- rejoining paragraphs broken mid-sentence ---------------------------------------------------
@functools.lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    import logging

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def word_spans(left: str, right: str) -> bool:
    """True when a dictionary word runs across the junction of ``left`` + ``right``."""
    left, right = simplified(left[-6:]), simplified(right[:6])
    pos = 0
    for word in _tokenizer().cut(left + right, HMM=False):
        if pos < len(left) < pos + len(word):
            return True
        pos += len(word)
    return False


def _junction_evidence(prev: str, nxt: str) -> bool:
    a, b = prev[-1], nxt[0]
    if a in CONTINUING:
        return True
    if a.isdigit() and (b.isdigit() or b in UNIT_CHARS):
        return True
    return bool(_CJK.match(a) and _CJK.match(b)) and word_spans(prev, nxt)


def should_join(prev: str, nxt: str, nxt_indented: bool = False) -> bool:
    """Is ``nxt`` the rest of paragraph ``prev`` (broken mid-sentence)? Conservative."""
    if len(prev) < MIN_JOIN_CHARS or ends_sentence(prev) or prev[-1] in "：:" or is_caption(prev):
        return False
    if len(prev) <= 40 and _SPACED.search(prev):
        return False  # "充分发挥主场优势 打造乡村振兴示范样板": a two-phrase headline
    if nxt_indented or is_caption(nxt) or is_heading_like(nxt) or _HEADING_MARK.match(nxt):
        return False
    return _junction_evidence(prev, nxt)


def _paragraphs(lines: list[_Line]) -> str:
    """Join kept lines: rejoin broken paragraphs, keep line breaks, one blank line at most."""
    out: list[str] = []
    for line in lines:
        if out and should_join(out[-1], line.text, line.indented):
            out[-1] += line.text
            continue
        if out:
            out.append("\n\n" if line.blank_before else "\n")
        out.append(line.text)
    return "".join(out)


def _kept(lines: list[_Line], keep: list[bool]) -> list[_Line]:
    """The kept lines; a blank line next to a dropped line still separates paragraphs."""
    out: list[_Line] = []
    gap = False
    for ln, k in zip(lines, keep, strict=True):
        gap = gap or ln.blank_before
        if k:
            out.append(_Line(ln.text, ln.indented, gap and bool(out)))
            gap = False
    return out


# --- the pipeline -------------------------------------------------------------------------------
def _split_lines(raw: str) -> list[_Line]:
    text = _PINYIN_AID.sub("", raw.replace("\r\n", "\n").replace("\r", "\n").translate(_ZERO_WIDTH))
    out: list[_Line] = []
    blank = False
    for raw_line in text.split("\n"):
        s = raw_line.strip()
        if not s:
            blank = True
            continue
        indented = raw_line[:1] in ("\u3000", "\t", "\xa0") or raw_line.startswith("  ")
        out.append(_Line(s, indented, blank))
        blank = False
    return out


@dataclass
class _Zones:
    header_end: int  # lines before this index are site header (above the headline)
    body_start: int  # first body paragraph
    tail_start: int  # lines from here on follow the last body paragraph
    crumb_at: int = -1  # first breadcrumb line in the header, -1 if none


def _zones(lines: list[_Line]) -> _Zones:
    """Header = chrome above the headline (above the metadata line, else up to the crumb)."""
    body = [i for i, ln in enumerate(lines) if _is_body(ln.text)]
    start = body[0] if body else len(lines)
    tail = body[-1] + 1 if body else len(lines)
    crumbs = [i for i in range(start) if _is_crumb(lines[i].text)]
    crumb_at = crumbs[0] if crumbs else -1
    metas = [i for i in range(start) if parse_meta_line(lines[i].text) is not None]
    if metas:
        above = [j for j in range(metas[0]) if drop_reason(lines[j].text) is None]
        return _Zones(above[-1] if above else metas[0], start, tail, crumb_at)
    return _Zones(crumbs[-1] if crumbs else 0, start, tail, crumb_at)


def _crumb_sections(lines: list[_Line]) -> set[str]:
    """Section names from breadcrumbs (all but the last segment, which may be the headline)."""
    out: set[str] = set()
    for ln in lines:
        if _is_crumb(ln.text):
            out.update(crumb_segments(ln.text)[:-1])
    return out


def _classify(lines: list[_Line], zones: _Zones) -> tuple[list[bool], int | None, dict[str, str]]:
    """Keep flags per line, index of the first metadata line, and the metadata found."""
    crumbs = _crumb_sections(lines)
    keep: list[bool] = []
    meta_at: int | None = None
    found: dict[str, str] = {}
    for i, ln in enumerate(lines):
        meta = parse_meta_line(ln.text)
        if meta is None and i < zones.body_start and _BARE_DATE.match(ln.text):
            meta = {"bare_date": parse_date(ln.text)}
        if meta is not None:
            meta_at = i if meta_at is None else meta_at
            for key, value in meta.items():
                found.setdefault(key, value)
            keep.append(False)
            continue
        edge = i < zones.header_end or i >= zones.tail_start
        reason = drop_reason(ln.text) or (edge_drop_reason(ln.text, crumbs) if edge else None)
        if reason is None and i < min(zones.crumb_at, zones.header_end) and len(ln.text) <= 30:
            reason = "site header above the breadcrumb"
        keep.append(reason is None)
    if not found.get("date"):
        found["date"] = found.get("bare_date") or header_date(lines, zones)
    return keep, meta_at, found


MAX_DATELINE_CHARS = 80  # a byline, not a sentence


def header_date(lines: list[_Line], zones: _Zones) -> str:
    """The date a report states above its body on a short non-sentence line (「來源:經濟日報 |
    2024年09月25日 17:09」, 「光明日报 2016年08月10日 星期三」), nearest the headline first; "" if none."""
    head = range(min(zones.body_start, len(lines)))
    order = [i for i in head if i >= zones.header_end] + [i for i in head if i < zones.header_end]
    for i in order:
        s = lines[i].text
        date = parse_date(s) if len(s) <= MAX_DATELINE_CHARS and not any(c in s for c in "。！？!?；;") else ""
        if date:
            return date
    return ""


def _title_shaped(s: str, limit: int) -> bool:
    return 4 <= len(s) <= limit and not is_caption(s) and "。" not in s and s[-1] not in TERMINAL


def _find_title(lines: list[_Line], keep: list[bool], meta_at: int | None, zones: _Zones) -> str:
    """The kept line right above the metadata line, else the first headline-shaped line."""
    if meta_at is not None and meta_at <= zones.body_start:
        above = [j for j in range(meta_at) if keep[j]]
        if above and _title_shaped(lines[above[-1]].text, 60):
            return lines[above[-1]].text
    for j in range(min(zones.body_start, len(lines))):
        s = lines[j].text
        if not keep[j] or len(s) < 6 or not _title_shaped(s, 40):
            continue
        if j + 1 < len(lines) and keep[j + 1] and not lines[j + 1].blank_before:
            nxt = lines[j + 1].text
            if len(nxt) >= 6 and _title_shaped(nxt, 40) and j + 1 < zones.body_start:
                return f"{s} {nxt}"  # a headline set on two lines
        return s
    return ""


def clean_text(raw: str) -> CleanResult:
    """Remove page boilerplate from ``raw``; return the body text and header metadata."""
    lines = _split_lines(raw)
    zones = _zones(lines)
    keep, meta_at, found = _classify(lines, zones)
    title = _find_title(lines, keep, meta_at, zones)
    text = _paragraphs(_kept(lines, keep))
    return CleanResult(text=text, title=title, date=found.get("date", ""), source=found.get("source", ""))
