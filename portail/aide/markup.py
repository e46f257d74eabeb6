"""A deliberately tiny text format for the help pages, so anyone can edit them without HTML.

Blocks are separated by blank lines:
- ``## Titre`` / ``### Sous-titre``: headings (the page title itself is the h1);
- lines starting with ``- ``: a bulleted list; with ``1. ``, ``2. ``…: a numbered list (steps);
- lines starting with ``> ``: a « À savoir » highlight;
- anything else: a paragraph.
Inline: ``**gras**`` and ``[texte](page:slug)`` for a link to another help page.
Everything is HTML-escaped first: a page cannot inject markup.
"""
import re
from collections.abc import Callable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\(page:([a-z0-9-]+)\)")
_ORDERED = re.compile(r"^\d+\.\s+")


def _inline(text: str, link_for: Callable[[str], str]) -> str:
    html = escape(text)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _LINK.sub(lambda m: f'<a href="{link_for(m.group(2))}">{m.group(1)}</a>', html)


def _blocks(source: str) -> list[list[str]]:
    blocks, current = [], []
    for line in source.strip().splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _join_items(lines: list[str], marker: re.Pattern) -> list[str]:
    """List items may wrap on following lines (indented or not): glue them to their item."""
    items: list[str] = []
    for line in lines:
        if marker.match(line):
            items.append(marker.sub("", line, count=1))
        elif items:
            items[-1] += " " + line.strip()
    return items


_BULLET = re.compile(r"^-\s+")


def render(source: str, link_for: Callable[[str], str]) -> SafeString:
    out: list[str] = []
    for block in _blocks(source):
        first = block[0]
        if first.startswith("### "):
            out.append(f'<h3 class="fr-h5 fr-mt-3w">{_inline(first[4:], link_for)}</h3>')
            block = block[1:]
        elif first.startswith("## "):
            out.append(f'<h2 class="fr-h4 fr-mt-4w">{_inline(first[3:], link_for)}</h2>')
            block = block[1:]
        if not block:
            continue
        first = block[0]
        if _BULLET.match(first):
            items = "".join(f"<li>{_inline(i, link_for)}</li>" for i in _join_items(block, _BULLET))
            out.append(f"<ul>{items}</ul>")
        elif _ORDERED.match(first):
            items = "".join(f"<li>{_inline(i, link_for)}</li>" for i in _join_items(block, _ORDERED))
            out.append(f'<ol>{items}</ol>')
        elif first.startswith("> "):
            text = " ".join(line.removeprefix(">").strip() for line in block)
            out.append(
                '<div class="fr-callout fr-my-3w"><h3 class="fr-callout__title fr-h6">À savoir</h3>'
                f'<p class="fr-callout__text fr-text--md">{_inline(text, link_for)}</p></div>'
            )
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in block), link_for)}</p>")
    return mark_safe("\n".join(out))


def plain_text(source: str) -> str:
    """The words of a page, for the search."""
    text = _LINK.sub(r"\1", source)
    return re.sub(r"[#*>]|^\s*-\s|^\s*\d+\.\s", " ", text, flags=re.M)
