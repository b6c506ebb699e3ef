"""Keyboard-only driving of a page: Tab to an element (checking on the way that every focused
element shows a focus indicator of at least 3:1 against what surrounds it, WCAG 2.1 SC 2.4.7
and 1.4.11), then type, press Space or Enter. No clicks, no ``fill``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import FilePayload, Page

MAX_TABS = 40

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // Focus inside a control's own parts (the date control's picker button): the browser draws
  // that ring, page CSS cannot reach or read it.
  if (!el.matches(':focus')) return {inner: true, what: el.tagName.toLowerCase() + '#' + el.id};
  const style = getComputedStyle(el);
  let around = 'rgb(255, 255, 255)';
  for (let node = el.parentElement; node; node = node.parentElement) {
    const color = getComputedStyle(node).backgroundColor;
    if (color !== 'transparent' && !/, 0\\)$/.test(color)) { around = color; break; }
  }
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.name ? '[name=' + el.name + ']' : '') + ' ' + (el.innerText || '').trim().slice(0, 30),
    style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    outline: style.outlineColor, around: around,
  };
}"""


def _luminance(color: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", color)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two CSS ``rgb(...)`` colours."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass
class Keyboard:
    page: Page
    unseen_focus: list[str] = field(default_factory=list)
    date_order: str = ""

    async def _check_focus(self) -> dict[str, Any] | None:
        focused: dict[str, Any] | None = await self.page.evaluate(FOCUSED)
        if focused is None or focused.get("inner"):
            return focused
        ratio = contrast(focused["outline"], focused["around"])
        if focused["style"] == "none" or focused["width"] < 2 or ratio < 3:
            self.unseen_focus.append(
                f"{self.page.url} {focused['what']}: outline {focused['style']} "
                f"{focused['width']}px {focused['outline']} on {focused['around']} ({ratio:.2f}:1)"
            )
        return focused

    async def tab_to(self, selector: str, *, backwards: bool = False) -> None:
        """Tab (Shift+Tab) until ``selector`` has the focus; fails if it is not in the order."""
        await self.page.wait_for_load_state("load")  # the stylesheet (and its focus ring) too
        for _ in range(MAX_TABS):
            await self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            await self._check_focus()
            if await self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{selector} is not reachable with the keyboard on {self.page.url}")

    async def tab_through(self) -> int:
        """Tab over every stop of the page once, checking each focus; the number of stops."""
        stops: list[str] = []
        await self.page.wait_for_load_state("load")
        for _ in range(4 * MAX_TABS):
            await self.page.keyboard.press("Tab")
            focused = await self._check_focus()
            if focused is not None and focused.get("inner"):
                continue
            if focused is None or (stops and focused["what"] == stops[0]):
                break  # past the last stop (to the browser) or round to the first again
            stops.append(focused["what"])
        return len(stops)

    async def type_into(self, selector: str, text: str, *, replace: bool = False) -> None:
        await self.tab_to(selector)
        if replace:
            await self.page.keyboard.press("Control+A")
            await self.page.keyboard.press("Backspace")
        await self.page.keyboard.type(text)

    async def type_date(self, selector: str, iso: str) -> None:
        """Digits in the segment order of Chromium's date control (its own locale's, not the
        page's: found by typing a probe date into a blank page of the same browser once)."""
        if not self.date_order:
            probe = await self.page.context.new_page()
            await probe.set_content('<input type="date" aria-label="probe">')
            await probe.keyboard.press("Tab")
            await probe.keyboard.type("01022003")
            self.date_order = {"2003-01-02": "mdy", "2003-02-01": "dmy"}[
                await probe.locator("input").input_value()
            ]
            await probe.close()
        year, month, day = iso.split("-")
        parts = {"y": year, "m": month, "d": day}
        await self.type_into(selector, "".join(parts[p] for p in self.date_order[:2]) + year)

    async def choose(self, selector: str, option_text: str) -> None:
        """A closed ``<select>`` picks the option its typed text starts (type-ahead)."""
        await self.tab_to(selector)
        await self.page.keyboard.type(option_text)

    async def press_on(self, selector: str, key: str = "Enter") -> None:
        await self.tab_to(selector)
        await self.page.keyboard.press(key)

    async def upload(self, selector: str, payload: FilePayload) -> None:
        """Space on a file input opens the file chooser, which the test answers."""
        await self.tab_to(selector)
        async with self.page.expect_file_chooser() as chooser:
            await self.page.keyboard.press("Space")
        await (await chooser.value).set_files(payload)
