"""The web UI in a real browser: Playwright (sync API) on Debian's chromium, against a real server."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from test_ui_api import HOSTILE, IMG, SCRIPT, ROOT, Server, ui_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SCREENSHOT = ROOT / "tests" / "artifacts" / "screenshot.png"  # docs/screenshot.png is the README copy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, e5_model_dir) -> Iterator[Server]:
    with ui_server(tmp_path_factory) as s:
        yield s


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 960}, locale="zh-CN")
        page.set_default_timeout(60_000)
        page.goto(server.url)
        page.locator("#rq-question textarea").wait_for()
        yield page
        browser.close()


def ask(page, question: str) -> None:
    """Type a question, press Enter, wait until its answer is complete and the verify panel shows it."""
    from playwright.sync_api import expect

    done = page.locator("#rq-chat .rq-answer:not(:has(.rq-caret)), #rq-chat .rq-notfound, #rq-chat .rq-error")
    before = done.count()
    page.locator("#rq-question textarea").fill(question)
    page.keyboard.press("Enter")
    expect(done).to_have_count(before + 1)
    expect(page.locator("#rq-verify .rq-vq")).to_contain_text(question)


def test_answer_citation_and_full_report(page, server):
    from playwright.sync_api import expect

    ask(page, "珠三角帮扶市共拨付了多少帮扶资金？")
    answer = page.locator("#rq-chat .rq-answer").last
    expect(answer).to_contain_text("108.12亿")
    answer.locator(".rq-cite").first.click()
    card = page.locator("#rq-verify .rq-card.rq-active")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("004_ef51806a2fa47196.txt")
    expect(card).to_contain_text("2022-07-28")
    mark = card.locator(".rq-passage mark")
    expect(mark).to_contain_text("108.12亿元")
    doc = server.pipe.index.docs[card.get_attribute("data-doc")]
    assert mark.inner_text() in doc.text
    assert mark.inner_text() in card.locator(".rq-passage").inner_text()
    card.locator(".rq-full summary").click()
    full = card.locator(".rq-fulltext")
    expect(full).to_be_visible()
    assert doc.title in full.inner_text() and "属地市帮扶资金" in full.inner_text()
    page.wait_for_function("el => el.scrollTop > 0", arg=full.element_handle())
    box, spot = full.bounding_box(), full.locator("mark").bounding_box()
    assert box["y"] <= spot["y"] and spot["y"] + spot["height"] <= box["y"] + box["height"]
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def test_citation_in_an_earlier_answer_selects_that_answer(page):
    from playwright.sync_api import expect

    ask(page, "广州帮扶清远架设了多少盏路灯？")
    mark = page.locator("#rq-verify .rq-card.rq-active .rq-passage mark")
    expect(mark).to_contain_text("路燈664余盞")  # traditional script, shown as written
    first = page.locator("#rq-chat .rq-answer", has_text="108.12亿").first
    first.locator(".rq-cite").first.click()
    expect(page.locator("#rq-verify .rq-vq")).to_contain_text("珠三角帮扶市共拨付了多少帮扶资金")
    expect(page.locator("#rq-verify .rq-card.rq-active .rq-passage mark")).to_contain_text("108.12亿元")


def test_hostile_report_is_shown_as_text(page):
    from playwright.sync_api import expect

    ask(page, "遂溪县共建成了多少个智慧农业示范基地？")
    answer = page.locator("#rq-chat .rq-answer").last
    expect(answer).to_contain_text("37")
    expect(answer).to_contain_text(SCRIPT)
    card = page.locator("#rq-verify .rq-card.rq-active")
    expect(card).to_have_attribute("data-doc", HOSTILE)
    expect(card.locator(".rq-passage mark")).to_contain_text(SCRIPT)
    card.locator(".rq-full summary").click()
    expect(card.locator(".rq-fulltext")).to_contain_text(IMG)
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("#rq-chat script, #rq-verify script").count() == 0


def test_not_found_is_a_distinct_state(page):
    from playwright.sync_api import expect

    markup = '<img src=x onerror="window.__pwned=4">'  # the question is echoed: it must stay text too
    ask(page, f"江西省乡村振兴局局长是谁？{markup}")
    box = page.locator("#rq-chat .rq-notfound").last
    expect(box).to_contain_text("⚠ 未找到")
    expect(box).to_contain_text("没有找到")
    expect(box).to_contain_text(markup)
    expect(page.locator("#rq-chat .message-row, #rq-chat .message").filter(has_text=markup).first).to_be_visible()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert box.locator(".rq-cite").count() == 0
    expect(page.locator("#rq-verify .rq-notfound")).to_contain_text("未找到")
    assert page.locator("#rq-verify .rq-card.rq-active").count() == 0
    colors = box.evaluate("el => getComputedStyle(el).backgroundColor")
    answer_colors = page.locator("#rq-chat .rq-answer").last.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colors != answer_colors


def test_upload_of_a_bad_file_shows_the_reason(page, tmp_path):
    from playwright.sync_api import expect

    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00")
    page.get_by_role("tab", name="上传与重建索引").click()
    page.locator("#rq-files input[type=file]").set_input_files(str(bad))
    page.locator("#rq-upload").click()
    expect(page.locator("#rq-build-result")).to_contain_text("不支持的文件类型 .exe")
    page.get_by_role("tab", name="索引状态").click()
    expect(page.locator("#rq-status")).to_contain_text("遂溪县智慧农业建设情况通报")
    expect(page.locator("#rq-status")).to_contain_text("hostile_report.txt")
    page.get_by_role("tab", name="问答").click()


def test_a_near_miss_is_shown_apart_from_answers(page):
    from playwright.sync_api import expect

    ask(page, "2023年省级下达了多少驻镇帮镇扶村资金?")
    near = page.locator("#rq-chat .rq-notfound .rq-near").last
    expect(near).to_contain_text("不是所问的答案")
    expect(near).to_contain_text("174亿元")
    expect(page.locator("#rq-verify .rq-near")).to_contain_text("2021—2022年")
    expect(page.locator("#rq-verify mark.rq-quote").first).to_contain_text("174亿元")
    ask(page, "2022年省级下达了多少驻镇帮镇扶村资金?")
    expect(page.locator("#rq-chat .rq-matched").last).to_contain_text("时间 ✓ 2022年")
    page.screenshot(path=str(SCREENSHOT.with_name("near_miss.png")))
