"""Rich text as OParl carries it: plain text."""

import html
import re

from django.utils.html import strip_tags


def plain_text(rich_text: str) -> str:
    """The text of a rich-text field without its HTML: one line per paragraph or list item."""
    text = re.sub(r"(?i)<br\s*/?>|</(p|li|h[1-6]|div)>", "\n", rich_text or "")
    text = html.unescape(strip_tags(text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
