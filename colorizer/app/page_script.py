"""The page's own script and style (`static/page.js`, `static/page.css`), and the JavaScript an event runs to
bring its result into view on a narrow screen."""

from pathlib import Path

STATIC = Path(__file__).parent / "static"
PAGE_SCRIPT = (STATIC / "page.js").read_text()  # run when the page loads
PAGE_CSS = (STATIC / "page.css").read_text()


def bring_into_view(element_id):
    """An event's JavaScript: on a narrow screen, scroll to `element_id` (page.js), passing the event's values on."""
    return f"(...values) => {{ window.colorizerBringIntoView({element_id!r}); return values; }}"
