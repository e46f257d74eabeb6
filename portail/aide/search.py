"""Accent- and case-insensitive word search over the help pages."""
import re
import unicodedata

# Words too common to tell pages apart: ignored in a query.
STOP_WORDS = frozenset(
    "a au aux avec ce ces comment d dans de des du en est et il je l la le les mon ma mes ou par pour qu que "
    "qui quoi sa se ses son sur un une vos votre".split()
)

_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.replace("œ", "oe").replace("æ", "ae")).strip()


def words(normalised: str) -> list[str]:
    return [w for w in normalised.split() if w]


def query_terms(query: str) -> list[str]:
    return [w for w in words(normalise(query)) if w not in STOP_WORDS]


def _matches(term: str, vocabulary) -> bool:
    """A term matches a word it starts (« paiement » finds « paiements »)."""
    return any(w.startswith(term) for w in vocabulary)


def search(pages, query: str) -> list:
    """Pages holding every term of the query, those with the terms in their title first."""
    terms = query_terms(query)
    if not terms:
        return []
    found = []
    for position, page in enumerate(pages):
        vocabulary = page.title_words | page.text_words
        if all(_matches(t, vocabulary) for t in terms):
            in_title = sum(_matches(t, page.title_words) for t in terms)
            found.append((-in_title, position, page))
    return [page for *_, page in sorted(found, key=lambda f: (f[0], f[1]))]
