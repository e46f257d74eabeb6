"""The help pages: one text file per page in ``pages/`` (see markup.py for the format).

Each file starts with a few ``key: value`` lines, then ``---``, then the body:

    title: Habiliter un utilisateur
    section: fiches
    order: 10
    summary: Une phrase qui résume la page (affichée dans la liste et les résultats).
    keywords: mots, supplémentaires, pour la recherche
    ---
    Le corps de la page…

The slug is the file name. Pages are read once per process.
"""
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.http import Http404
from django.urls import reverse
from django.utils.safestring import SafeString

from . import markup
from .search import normalise, words

PAGES_DIR = Path(__file__).resolve().parent / "pages"

# Sections of the index, in display order.
SECTIONS = {
    "guides": "Comprendre le portail",
    "fiches": "Fiches pratiques pas à pas",
    "onglets": "Les onglets du dossier allocataire",
    "services": "Attestation et Dialogue",
}


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: str
    section: str
    order: int
    summary: str
    keywords: str
    body: str
    # Normalised words, for the search: the title's apart so they rank first.
    title_words: frozenset = field(default=frozenset(), compare=False)
    text_words: frozenset = field(default=frozenset(), compare=False)

    @property
    def url(self) -> str:
        return reverse("aide:page", args=[self.slug])

    @property
    def section_label(self) -> str:
        return SECTIONS[self.section]

    def html(self) -> SafeString:
        return markup.render(self.body, lambda slug: get_page(slug).url)


def _parse(path: Path) -> HelpPage:
    head, sep, body = path.read_text(encoding="utf-8").partition("\n---\n")
    if not sep:
        raise ValueError(f"{path.name}: la ligne « --- » séparant l'en-tête du texte manque")
    meta = {}
    for line in head.strip().splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    if meta.get("section") not in SECTIONS:
        raise ValueError(f"{path.name}: section inconnue {meta.get('section')!r}")
    title = meta["title"]
    searchable = " ".join([meta.get("summary", ""), meta.get("keywords", ""), markup.plain_text(body)])
    return HelpPage(
        slug=path.stem,
        title=title,
        section=meta["section"],
        order=int(meta.get("order", 100)),
        summary=meta.get("summary", ""),
        keywords=meta.get("keywords", ""),
        body=body,
        title_words=frozenset(words(normalise(title))),
        text_words=frozenset(words(normalise(searchable))),
    )


@cache
def all_pages() -> tuple[HelpPage, ...]:
    pages = [_parse(p) for p in sorted(PAGES_DIR.glob("*.md"))]
    section_rank = list(SECTIONS)
    return tuple(sorted(pages, key=lambda p: (section_rank.index(p.section), p.order, p.title)))


def get_page(slug: str) -> HelpPage:
    for page in all_pages():
        if page.slug == slug:
            return page
    raise Http404


def by_section(pages) -> list[dict]:
    return [
        {"key": key, "label": label, "pages": [p for p in pages if p.section == key]}
        for key, label in SECTIONS.items()
        if any(p.section == key for p in pages)
    ]
