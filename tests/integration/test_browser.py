"""The app's pages in a real Chromium (Debian's /usr/bin/chromium through Playwright), as a
researcher and a trainer use them, at 1440x900 and on a 390x844 phone.

One app and one browser for the module. Every page gets an axe-core check (the npm package,
injected into the page; scripts/test installs it): no serious or critical violation. Every
page load is watched for requests outside the app. Screenshots and axe reports are kept under
test-results/browser/.
"""

from __future__ import annotations

import json

import pytest

from assistant.settings import REPO_ROOT
from served import HOSTILE_REPORT, serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
AXE = REPO_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = REPO_ROOT / "test-results" / "browser"
QUESTION = "How did forces handle reactive management of registered sex offenders?"
DESKTOP, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
PAGES = ["Ask", "Case studies", "Compare forces", "Recommendations", "Corpus"]
WAIT = 120_000


@pytest.fixture(scope="module")
def served(bundled, tmp_path_factory):
    with serve(bundled, tmp_path_factory.mktemp("browser")) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-default-apps"],
        )
        yield b
        b.close()


@pytest.fixture
def open_page(browser, served):
    """A page of the app at a viewport; at the end, no request may have left the app."""
    contexts, outside = [], []

    def open_at(viewport):
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith((served.url, "data:", "blob:")) else None)
        page.goto(served.url)
        page.locator("#question textarea").wait_for(timeout=WAIT)
        return page

    yield open_at
    for context in contexts:
        context.close()
    assert outside == [], f"the page requested addresses outside the app: {outside}"


def shot(page, name: str, full_page: bool = True) -> None:
    """Keep a screenshot (the viewport only where a scrolled chat matters: a full-page shot
    resizes the window, and the chat with it)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=full_page)


def settle(page) -> None:
    """Wait until no output is pending (Gradio fades outputs while an event runs: contrast
    measured mid-fade would be wrong)."""
    page.wait_for_function("document.querySelectorAll('.pending, .generating, .translucent:not(.hide)').length === 0",
                           timeout=WAIT)
    page.wait_for_timeout(400)  # the fade back to full opacity


def axe_check(page, name: str) -> None:
    """Run axe-core on the page as it is; keep its report; no serious or critical violation."""
    assert AXE.is_file(), f"axe-core is missing ({AXE}): run scripts/test, or `npm ci` in tests/browser"
    settle(page)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                               ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
                               " nodes: v.nodes.map(n => n.target.join(' '))}))")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"axe-{name}.json").write_text(json.dumps(violations, indent=1), encoding="utf-8")
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {name}: {bad}"


def go_to(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def ask(page, question: str, n: int) -> None:
    """Ask in the chat and wait for answer number n (its sources rendered)."""
    page.get_by_label("Your question").fill(question)
    page.locator("#ask-button").click()
    page.locator(f"#chat #a{n}").wait_for(state="attached", timeout=WAIT)


def wide_tables(page) -> list[str]:
    """Visible tables wider than the window (a cut-off column)."""
    return page.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => t.offsetParent !== null && t.getBoundingClientRect().right > window.innerWidth + 1)
        .map(t => t.id || t.className)""")


def in_view(page, selector: str) -> bool:
    """The element can be seen: inside the window and inside every scrolled box around it
    (the chat scrolls on its own)."""
    return page.evaluate("""s => {
        const el = document.querySelector(s), r = el.getBoundingClientRect();
        if (!(r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1)) return false;
        for (let p = el.parentElement; p; p = p.parentElement) {
            const style = getComputedStyle(p);
            if (p.scrollHeight > p.clientHeight + 1 && ['auto', 'scroll', 'hidden'].includes(style.overflowY)) {
                const c = p.getBoundingClientRect();
                if (r.top < c.top - 1 || r.bottom > c.bottom + 1) return false;
            }
        }
        return true; }""", selector)


def test_axe_finds_what_it_should(browser):
    """The check itself can fail: a page with an unlabelled field and a low-contrast line."""
    page = browser.new_page()
    page.set_content("<html lang='en'><body><main><h1>t</h1><input type='text'>"
                     "<p style='color:#bbb;background:#fff'>faint</p></main></body></html>")
    with pytest.raises(AssertionError, match="label|color-contrast"):
        axe_check(page, "known-bad")
    page.close()


def test_earlier_answers_keep_their_own_sources(open_page, served):
    page = open_page(DESKTOP)
    assert page.locator("#welcome").is_visible() and not page.locator("#chat").is_visible()
    axe_check(page, "ask-first-screen")
    shot(page, "first-screen")
    ask(page, QUESTION, 1)
    expected = served.assistant.ask(QUESTION).citations[1]  # what the first answer's [2] cites
    ask(page, "and what about Cheshire?", 2)
    read_as = served.assistant.ask("and what about Cheshire?", history=[QUESTION]).resolved_question
    assert "Cheshire" in read_as and "reactive management" in read_as
    assert f"Read as: {read_as}" in page.locator("#chat").inner_text()  # how the follow-up was read
    assert page.locator("#a2-src-1").count() == 1

    # The first answer's [2], clicked after the second answer: its own passage, opened in place.
    page.locator("#chat a.cite[href='#a1-src-2']").first.click()
    source = page.locator("#a1-src-2")
    assert source.get_attribute("open") is not None
    page.wait_for_timeout(800)  # past the chat's own scroll to its end after an answer
    text = source.locator(".src-text").inner_text()
    assert " ".join(expected.text.split())[:80] in " ".join(text.split()) and expected.force in source.inner_text()
    assert in_view(page, "#a1-src-2 > summary")
    shot(page, "ask-earlier-source-open", full_page=False)
    # ... and a way back: to the marker that opened it.
    source.locator("a.back").click()
    page.wait_for_timeout(800)
    marker = page.evaluate("document.activeElement.getAttribute('href')")
    assert marker == "#a1-src-2" and in_view(page, "#chat a.cite[href='#a1-src-2']:focus")
    shot(page, "ask-back-to-the-answer", full_page=False)
    axe_check(page, "ask-answers")

    # Export is for the answer on screen; a new conversation disables it.
    assert page.locator("#export-answer").is_enabled()
    page.locator("#new-conversation").click()
    page.locator("#welcome").wait_for(timeout=WAIT)
    assert page.locator("#export-answer").is_disabled()


def test_input_problems_keep_the_question_with_one_message(open_page, served):
    page = open_page(DESKTOP)
    page.locator("#ask-button").click()
    page.get_by_text("Type a question in the box first.").wait_for(timeout=WAIT)
    assert page.get_by_text("Error", exact=True).count() == 0  # no red badges on the panels
    long = "How do forces respond to children who go missing from home? " * 45
    page.get_by_label("Your question").fill(long)
    page.locator("#ask-button").click()
    page.get_by_text("the limit is 2,000").wait_for(timeout=WAIT)
    assert page.get_by_label("Your question").input_value() == long  # kept for editing
    assert page.get_by_text("Error", exact=True).count() == 0
    # The question box has a real label and is reachable from the keyboard.
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#question') !== null"):
            break
    else:
        pytest.fail("the question box is not reachable with Tab")


def test_examples_run_on_their_pages(open_page, served):
    page = open_page(DESKTOP)
    examples = served.assistant.settings.app.examples
    assert 4 <= len(examples) <= 6 and {e.who for e in examples} == {"researcher", "trainer", "evaluator"}
    for example in examples:
        go_to(page, "Ask")
        if not page.locator("#welcome").is_visible():
            page.locator("#new-conversation").click()
        page.locator("#welcome").get_by_role("button", name=example.text).click()
        if example.page == "ask":
            page.locator("#chat #a1").wait_for(state="attached", timeout=WAIT)
            assert example.text in page.locator("#chat").inner_text()
        elif example.page == "cases":
            page.locator("#case-table .case").first.wait_for(timeout=WAIT)
            assert page.get_by_label("Topic").input_value() == example.query
            cards = page.locator("#case-table .case")
            titles = cards.locator("h3").all_inner_texts()
            assert titles and not any(t.split(". ", 1)[1].startswith("Case study") for t in titles)
            assert cards.locator(".case-why").count() == cards.count()
            if example.query == "child sexual exploitation":  # a Cambridgeshire case that never says so
                assert cards.filter(has_text="paid her").filter(has_text="Cambridgeshire").count() == 1
            axe_check(page, "cases")
            shot(page, "cases")
        else:
            page.locator("#compare-table tbody tr").first.wait_for(timeout=WAIT)
            rows = page.locator("#compare-table tbody tr")
            assert rows.count() == len(served.assistant.forces())
            table = page.locator("#compare-table").inner_text()
            assert "published" in table and "- " not in table and "◦" not in table
            page.locator("#compare-table a.cite").first.click()
            opened = page.locator("#compare-table details.src[open] .src-text")
            assert len(opened.first.inner_text()) > 80  # a source shows its passage
            axe_check(page, "compare")
            shot(page, "compare")


def test_phone_every_page_reachable_and_no_table_overflows(open_page, served):
    page = open_page(PHONE)
    assert page.get_by_role("button", name="More tabs").count() == 0 or \
        not page.get_by_role("button", name="More tabs").is_visible()
    for name in PAGES:
        assert page.get_by_role("tab", name=name).is_visible(), f"{name} is not reachable on a phone"
    ask(page, QUESTION, 1)
    page.locator("#chat a.cite").first.click()
    opened = page.locator("#chat details.src[open]").first
    page.wait_for_timeout(800)  # past the chat's own scroll to its end after an answer
    assert in_view(page, "#chat details.src[open] > summary")
    shot(page, "phone-source-open", full_page=False)
    opened.locator("a.back").click()
    page.wait_for_timeout(800)
    assert page.evaluate("document.activeElement.classList.contains('cite')") and in_view(page, "#chat a.cite:focus")
    pages = {
        "Ask": None,
        "Case studies": ("#case-topic textarea", "missing children", "#case-button", "#case-table .case"),
        "Compare forces": ("#compare-theme textarea", "appropriate adults for children in custody",
                           "#compare-button", "#compare-table tbody tr"),
        "Recommendations": (None, None, "#rec-button", "#rec-table tbody tr"),
        "Corpus": None,
    }
    for name, run in pages.items():
        go_to(page, name)
        if run:
            field, text, button, result = run
            if field:
                page.locator(field).fill(text)
            page.locator(button).click()
            page.locator(result).first.wait_for(timeout=WAIT)
        page.wait_for_timeout(300)
        assert wide_tables(page) == [], f"{name}: tables wider than the phone"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), f"{name} scrolls sideways"
        slug = name.lower().replace(" ", "-")
        axe_check(page, f"{slug}-phone")
        shot(page, f"phone-{slug}")


def test_recommendations_page_lists_each_report_s_recommendations_and_opens_their_passages(open_page, served):
    page = open_page(DESKTOP)
    go_to(page, "Recommendations")
    page.locator("#rec-button").click()
    rows = page.locator("#rec-table tbody tr")
    rows.first.wait_for(timeout=WAIT)
    assert rows.count() == len(served.assistant.recommendations())
    assert page.locator("#rec-status").inner_text().startswith(f"{rows.count()} recommendation")
    rows.first.locator("details > summary").first.click()
    assert len(rows.first.locator("details .src-text").first.inner_text()) > 40  # the passage it stands in
    assert wide_tables(page) == []
    axe_check(page, "recommendations")
    shot(page, "recommendations")


def test_uploads_update_the_counts_and_hostile_text_shows_as_text(open_page, served, tmp_path):
    page = open_page(DESKTOP)
    assert "5 reports from 5 forces" in page.locator("#collection").inner_text()
    go_to(page, "Corpus")
    axe_check(page, "corpus")
    report = tmp_path / "testshire-2021-inspection.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(report))
    page.get_by_text("Added Testshire").wait_for(timeout=WAIT)
    assert "6 reports from 6 forces" in page.locator("#collection").inner_text()
    assert "Testshire" in page.locator("#corpus-table").inner_text()
    assert wide_tables(page) == []  # no column cut off at 1440 px
    shot(page, "corpus-upload")

    go_to(page, "Ask")
    ask(page, "What does Testshire Police do when children go missing from home?", 1)
    page.locator("#chat a.cite").first.click()
    sources = page.locator("#chat .sources").inner_text()
    assert "<script>window.pwned = 1</script>" in sources, sources
    assert page.evaluate("window.pwned") is None
    assert page.locator("#chat .sources script, #chat img[src='x']").count() == 0
    shot(page, "escaped")
