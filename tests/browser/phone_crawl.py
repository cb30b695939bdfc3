"""Every page a signed-in person reaches by links from the dashboard, opened in Chromium at phone width:
it must not scroll sideways and axe-core must find nothing (issue 17, "Mobile").

The crawl is the production smoke test's (scripts/smoke_production.py: same host, GET only, one page
per URL shape, sign-out skipped), run in a real browser so the layout is measured. It is kept apart
from the test so it can be pointed at a development server by hand while fixing pages.
"""

import hashlib
import importlib.util
import re
from collections import deque
from pathlib import Path

from tests.browser.conftest import axe_violations

_SMOKE = Path(__file__).resolve().parents[2] / "scripts" / "smoke_production.py"
_spec = importlib.util.spec_from_file_location("smoke_production", _SMOKE)
smoke = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(smoke)

PHONE_WIDTH = 375
# Pages for a person: sign-out ends the session; downloads and exports are files, not pages; Django
# admin is its own interface, outside the GOV.UK pages this checks (the smoke test still opens it).
SKIPPED = re.compile(r"/(sign-out|logout)/|^/static/|^/admin/|export|download|\.(csv|xlsx|docx|pdf|json)(\?|$)")
MAX_SHAPES = 200  # a crawl that finds more is following a link that makes URLs; it fails clearly


def crawl(
    page, base: str, start: str = "/", check_axe: bool = True, axed: set[str] | None = None
) -> tuple[list[str], list[str]]:
    """(every path opened, every problem found) for the signed-in page, from start.

    axed, when given, holds the structures (structure()) of the pages axe-core has already checked, and
    gains this crawl's: a page built like one checked before, in this crawl or another role's, is only
    measured for sideways scrolling.
    """
    queue = deque([start])
    seen: set[str] = set()
    opened: list[str] = []
    problems: list[str] = []
    while queue:
        path = queue.popleft()
        if SKIPPED.search(path) or smoke.shape(path) in seen:
            continue
        seen.add(smoke.shape(path))
        if len(seen) > MAX_SHAPES:
            problems.append(f"more than {MAX_SHAPES} URL shapes; is a link making URLs? last: {path}")
            break
        try:
            response = page.goto(base + path)
        except Exception as error:  # noqa: BLE001 (Playwright's one error type; a download is one)
            if "Download is starting" in str(error):
                continue
            problems.append(f"{path}: {error}")
            continue
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        opened.append(path)
        if response.status >= 400:
            problems.append(f"{path}: answered {response.status}")
            continue
        if check_axe and axed is not None:
            parts = structure(page)
            check_page_with_axe = not parts <= axed
            axed.update(parts)
        else:
            check_page_with_axe = check_axe
        problems.extend(f"{path}: {problem}" for problem in page_problems(page, check_page_with_axe))
        current = smoke.same_host_path(base, "/", page.url) or path
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(a => a.getAttribute('href'))"
        ):
            target = smoke.same_host_path(base, current, href.split("#")[0] or current)
            if target:
                queue.append(target)
    return opened, problems


def page_problems(page, check_axe: bool = True) -> list[str]:
    problems = []
    inner, scroll = page.evaluate("[window.innerWidth, document.documentElement.scrollWidth]")
    if scroll > inner:
        widest = page.evaluate(WIDEST_ELEMENTS, inner)
        problems.append(f"scrolls sideways ({scroll} px in {inner} px): {widest}")
    if check_axe:
        problems.extend(f"axe {v['id']} ({v['impact']}): {v['nodes']}" for v in axe_violations(page))
    return problems


def structure(page) -> set[str]:
    """Digests of the page as axe-core sees it, words aside: every element with its attributes, in
    order, and only whether each piece of text is empty. Two people's views of one page differ in
    names, dates and figures, which no WCAG rule axe runs depends on; a link, button or field one of
    them has and the other lacks makes a new structure, which axe then checks.

    Two digests: the service navigation (which differs by role and marks the current section) and the
    rest of the page with the navigation taken out. A page is checked when either is new, so every
    navigation is checked on some page and every body under some navigation. The two parts share no
    rule that reads both (ids are fixed in the navigation; axe's page-level rules, the title, the
    language, the skip link, are in the rest)."""
    navigation, rest = page.evaluate(STRUCTURE)
    return {
        "nav:" + hashlib.sha256(navigation.encode()).hexdigest(),
        "rest:" + hashlib.sha256(rest.encode()).hexdigest(),
    }


# The document with each text node reduced to whether it is blank and the per-request values (the CSRF
# token, the CSP nonce) blanked, as [the service navigation, the rest]: what is left is what axe reads.
STRUCTURE = """() => {
  const copy = document.documentElement.cloneNode(true);
  const walker = document.createTreeWalker(copy, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    node.data = node.data.trim() ? 'T' : '';
  }
  for (const el of copy.querySelectorAll('input[type=hidden], [nonce]')) {
    el.removeAttribute('value');
    el.removeAttribute('nonce');
  }
  const navigation = copy.querySelector('.govuk-service-navigation');
  const navigationMarkup = navigation ? navigation.outerHTML : '';
  if (navigation) navigation.remove();
  return [navigationMarkup, copy.outerHTML];
}"""


# The elements that stick out past the viewport's right edge, innermost first, for the failure message.
WIDEST_ELEMENTS = """inner => {
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const right = el.getBoundingClientRect().right;
    if (right > inner + 1 && ![...el.children].some(c => c.getBoundingClientRect().right > inner + 1)) {
      const classes = el.className ? '.' + String(el.className).split(' ').join('.') : '';
      out.push(`${el.tagName.toLowerCase()}${classes} (${Math.round(right)} px)`);
    }
    if (out.length >= 3) break;
  }
  return out;
}"""
