"""axe-core (from tests/a11y/node_modules, installed by ``npm ci``) run in a Playwright page.

The pages' CSP (``script-src 'self'``) refuses an injected ``<script>`` (what
``page.add_script_tag`` adds), so axe is evaluated through the DevTools protocol
(``page.evaluate``), which the CSP does not govern: the audit sees each page exactly as served,
under its real policy."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\n/g, ' ')),
  }));
}"""


def require_axe() -> None:
    """Skip without axe-core's node_modules; under ``GANGWAY_REQUIRE_BROWSER=1`` (CI) fail."""
    if AXE_JS.exists():
        return
    reason = f"{AXE_JS} is missing: run `npm ci` in tests/a11y"
    if os.environ.get("GANGWAY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (GANGWAY_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@dataclass
class Audit:
    """Runs axe on each page it is given (and checks that nothing scrolls sideways) and keeps
    every violation, so that one run reports all pages at once; ``assert_clean`` names the
    pages audited and what failed on them."""

    pages: list[str] = field(default_factory=list)
    violations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    async def __call__(self, page: Page, name: str) -> None:
        await page.wait_for_load_state("load")
        if not await page.evaluate("typeof window.axe === 'object'"):
            await page.evaluate(AXE_JS.read_text())
        found = await page.evaluate(RUN_AXE, WCAG21_AA)
        # Reflow (SC 1.4.10), which axe does not test: nothing scrolls sideways.
        width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            found.append(
                {
                    "id": "reflow",
                    "impact": "serious",
                    "help": "Content must fit the viewport's width (WCAG 1.4.10)",
                    "nodes": [f"the page is {width[0]} px wide in a {width[1]} px viewport"],
                }
            )
        self.pages.append(name)
        if found:
            self.violations[f"{name} ({page.url})"] = found

    def assert_clean(self, expected: list[str]) -> None:
        assert self.pages == expected, f"audited {self.pages}, expected {expected}"
        report = [
            f"{where}: [{v['impact']}] {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"])
            for where, found in self.violations.items()
            for v in found
        ]
        assert not report, "WCAG 2.1 A/AA violations:\n" + "\n".join(report)
