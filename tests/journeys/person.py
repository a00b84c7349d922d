"""A person in a journey: their own browser, opened on the portal's home page, doing only what the page offers.

Each click, check, choice or upload is one action, counted in every budget open at the time (a budget is a
promise written in the test: "verifying takes at most 3 actions"). Typing into a field is not a detour but the
content itself (a PKS's scope, a contribution's title): it is listed beside the actions, not counted. After
each action the page settles; when a new page loaded, it is checked (tests/journeys/page_checks.py) and
photographed, so a journey leaves tests/artifacts/journeys/<journey>-<width>/NN-<person>-<page>.png behind,
one picture per step.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
import re
import shutil

from mitrapas_dev.demo import DEMO_PASSWORD
from tests.journeys.page_checks import JOURNEYS, check_page, slug

PHONE = 360
PHONE_HEIGHT, LAPTOP_HEIGHT = 740, 900


@dataclass
class Budget:
    what: str
    most: int
    #: What was done inside it, in order: "<person>: <action>".
    done: list[str] = field(default_factory=list)
    #: What was typed inside it (shown when the budget fails, not counted).
    typed: list[str] = field(default_factory=list)


class Journey:
    """One journey at one width: its people, its open budgets, its folder of screenshots."""

    def __init__(self, name: str, browser, base: str, width: int):
        self.name, self.browser, self.base, self.width = name, browser, base, width
        self.folder = JOURNEYS / f"{name}-{width}"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.steps = 0
        self.budgets: list[Budget] = []
        self.people: list[Person] = []

    def person(self, email: str, called: str | None = None) -> "Person":
        """Someone with a browser of their own, on the home page; `called` names their screenshots."""
        person = Person(self, email, called or _called(email))
        self.people.append(person)
        return person

    @contextmanager
    def budget(self, what: str, most: int):
        """Fail when more than `most` actions (by anyone) happen inside."""
        budget = Budget(what, most)
        self.budgets.append(budget)
        try:
            yield budget
        finally:
            self.budgets.remove(budget)
        if len(budget.done) > most:
            raise AssertionError(f"{what}: {len(budget.done)} actions, at most {most} allowed:\n  "
                                 + "\n  ".join(f"{n}. {action}" for n, action in enumerate(budget.done, 1))
                                 + "\n  and typed (not counted):\n  " + "\n  ".join(budget.typed))

    def count(self, action: str, typed: bool = False) -> None:
        for budget in self.budgets:
            (budget.typed if typed else budget.done).append(action)

    def photograph(self, person: "Person", name: str) -> None:
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{person.called}-{slug(name, 40)}.png"
        person.page.screenshot(path=str(path), full_page=True)

    def close(self) -> None:
        for person in self.people:
            person.page.context.close()


class Person:
    """A demo person at a browser of their own (locale id-ID), at the journey's width."""

    def __init__(self, journey: Journey, email: str, called: str):
        self.journey, self.email, self.called = journey, email, called
        width = journey.width
        phone = width <= PHONE
        context = journey.browser.new_context(
            locale="id-ID", viewport={"width": width, "height": PHONE_HEIGHT if phone else LAPTOP_HEIGHT},
            is_mobile=phone, has_touch=phone, accept_downloads=True)
        self.page = context.new_page()
        self.page.goto(f"{journey.base}/")
        self._document = None
        self._looked_at()

    # --- what a person does: each is one action (typing is listed, not counted) ------------------------------

    def click(self, locator) -> None:
        self._do(f"click {_named(locator)}", lambda: locator.click())

    def fill(self, locator, value: str) -> None:
        """Typing: listed in the open budgets, not counted."""
        self._do(f"fill {_named(locator)} with {value!r}", lambda: locator.fill(value), typed=True)

    def check(self, locator) -> None:
        self._do(f"check {_named(locator)}", lambda: locator.check())

    def select(self, locator, label: str) -> None:
        self._do(f"choose {label!r} in {_named(locator)}", lambda: locator.select_option(label=label))

    def upload(self, locator, path) -> None:
        self._do(f"upload {getattr(path, 'name', path)} in {_named(locator)}",
                 lambda: locator.set_input_files(str(path)))

    def nav(self, name: str) -> None:
        """Click a main-menu link by its visible name, opening the "Menu" (narrow screens) and the dropdown that
        holds it first, as a person must."""
        page = self.page
        toggler = page.get_by_role("button", name="Menu", exact=True)
        if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
            self.click(toggler)
            page.locator("#mainnav.show").wait_for()  # Bootstrap's collapse: a click while it moves is lost
        link = page.locator("#mainnav").get_by_role("link", name=name, exact=True)
        if not link.is_visible():  # in a dropdown ("Lainnya"): open it first
            hidden = page.get_by_role("link", name=name, exact=True, include_hidden=True)
            holder = page.locator("#mainnav .dropdown").filter(has=hidden).locator("[data-bs-toggle=dropdown]")
            self._do(f"click menu {holder.inner_text().strip()!r}", lambda: holder.click())
            link.wait_for()
        self.click(link)

    @property
    def menu_tap(self) -> int:
        """The one more action a budget allows on a phone, where the main menu opens with "Menu" first."""
        return 1 if self.journey.width <= PHONE else 0

    # --- not counted ----------------------------------------------------------------------------------------

    def sign_in(self, password: str = DEMO_PASSWORD, code=None) -> None:
        """From wherever the person is: "Masuk", e-mail and password, then the two-step code if asked for one."""
        page = self.page
        email = page.get_by_label("E-mail")
        if not email.is_visible():
            self._settle(lambda: page.get_by_role("link", name="Masuk", exact=True).click())
        email.fill(self.email)
        page.get_by_label("Kata sandi").fill(password)
        self._settle(lambda: page.get_by_role("button", name="Masuk", exact=True).click())
        if code is not None and page.get_by_label("Kode").is_visible():
            page.get_by_label("Kode").fill(code() if callable(code) else code)
            self._settle(lambda: page.get_by_role("button", name="Lanjutkan").click())

    def sign_out(self) -> None:
        """The name's menu (behind "Menu" on a narrow screen), then "Keluar"."""
        page = self.page
        toggler = page.get_by_role("button", name="Menu", exact=True)
        if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
            page.locator("#mainnav.show").wait_for()  # Bootstrap's collapse: a click while it moves is lost
        page.get_by_test_id("person-menu").click()
        self._settle(lambda: page.get_by_role("button", name="Keluar").click())

    @contextmanager
    def budget(self, what: str, most: int):
        """Fail when more than `most` actions happen inside (counted in every open budget, whoever acts)."""
        with self.journey.budget(what, most) as budget:
            yield budget

    def shot(self, name: str) -> None:
        """An extra screenshot of the page as it is now."""
        self.journey.photograph(self, name)

    def expect_download(self, **kwargs):
        return self.page.expect_download(**kwargs)

    # --- after each action ----------------------------------------------------------------------------------

    def _do(self, action: str, act, typed: bool = False) -> None:
        self.journey.count(f"{self.called}: {action}", typed)
        self._settle(act)

    def _settle(self, act) -> None:
        """Act, let the page settle and, when a new page loaded, check and photograph it."""
        act()
        self._looked_at()

    def _looked_at(self) -> None:
        page, document = self.page, None
        for _ in range(3):
            try:
                page.wait_for_load_state("load")
                document = page.evaluate("() => performance.timeOrigin")
                break
            except Exception as error:  # a navigation replaced the page while it was read: read the new one
                if "context was destroyed" not in str(error) and "navigat" not in str(error):
                    raise
        if document == self._document:
            return
        self._document = document
        title = page.title().split(" · ")[0]
        check_page(page, f"{self.journey.name} at {self.journey.width} px, {self.called} on {title!r}",
                   shot=self.journey.folder / f"failed-{self.journey.steps + 1:02d}-{self.called}.png")
        self.journey.photograph(self, title)


def _called(email: str) -> str:
    """How a person's screenshots name them: the address's name, with its organisation if the name is a role."""
    name, _, domain = email.partition("@")
    first = domain.split(".")[0]
    return slug(name if first == "mitrapas" else f"{name}-{first}", 32)


def _named(locator) -> str:
    """A locator as a person would say it: `link "Kontribusi"` rather than Playwright's internal selector."""
    text = str(locator)
    found = re.search(r"selector='(.*)'>?$", text)
    selector = found.group(1) if found else text
    selector = re.sub(r'internal:role=(\w+)\[name=\\?"(.*?)\\?"[is]?\]', r'\1 "\2"', selector)
    selector = re.sub(r'internal:label=\\?"(.*?)\\?"[is]?', r'field "\1"', selector)
    selector = re.sub(r'internal:(?:text|testid)=\[?(?:data-testid=)?\\?"(.*?)\\?"[is]?\]?', r'"\1"', selector)
    return selector.replace(" >> ", " › ")
