"""JSON-LD for verifiable credentials: the contexts ship with the package (nothing is
fetched at run time), and documents are canonicalized by pyld (RDF Dataset
Canonicalization, RDFC-1.0, which pyld names URDNA2015).

Signing a batch canonicalizes one document per recipient. Turning JSON-LD into RDF is
most of pyld's cost (contexts expanded term by term), and the documents of a batch differ
only in a few values, so `DatasetTemplate` converts the batch's document once, with
placeholders where each recipient's values go, and per recipient puts the values into that
RDF dataset and lets pyld canonicalize it (blank-node labelling, sorting). The result is
the same text as canonicalizing each whole document (tests/core/test_linked_data.py).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

# What pyld raises for a document it cannot process.
JsonLdError = jsonld.JsonLdError

# Every context a document programhub signs or serves names, and the file that holds it.
CONTEXT_FILES = {
    VC_V2: "credentials-v2.json",
    OB_V3: "ob-v3p0-3.0.3.json",
    DID_V1: "did-v1.json",
    MULTIKEY_V1: "multikey-v1.json",
}

# pyld keeps processed contexts in module-level caches that are not thread safe; its work
# is pure Python, so one lock costs no parallelism.
_PYLD = threading.Lock()

# Control characters that canonical N-Quads escapes and pyld's serializer writes raw (all
# of C0 but tab, newline and carriage return, and DEL): left out of every text value that
# goes into a signed document, so that any implementation's canonical form is the same.
_UNESCAPED_BY_PYLD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def xml_datetime(moment: datetime) -> str:
    """An XML Schema dateTime in UTC with milliseconds, as Record shows times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def signable_text(value: str) -> str:
    """`value` as it appears in a signed document (see _UNESCAPED_BY_PYLD)."""
    return _UNESCAPED_BY_PYLD.sub("", value)


@cache
def context_document(url: str) -> dict[str, Any]:
    """A bundled context, parsed; KeyError for any other URL."""
    name = CONTEXT_FILES[url]
    text = resources.files("programhub.core.credentials").joinpath("contexts", name).read_text("utf-8")
    return dict(json.loads(text))


def load_document(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader: the bundled contexts, and nothing else."""
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(
            f"Only the bundled contexts are loaded, not {url}.",
            "jsonld.LoadDocumentError",
            {"url": url},
            code="loading document failed",
        )
    return {"contextUrl": None, "documentUrl": url, "document": context_document(url)}


def canonical(document: Mapping[str, Any]) -> str:
    """The document's canonical N-Quads (RDFC-1.0)."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": load_document}
    with _PYLD:
        return str(jsonld.normalize(dict(document), options))


def _dataset(document: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    with _PYLD:
        found = jsonld.to_rdf(dict(document), {"documentLoader": load_document, "produceGeneralizedRdf": False})
    return dict(found)


def _canonical_dataset(dataset: dict[str, list[dict[str, Any]]]) -> str:
    return str(URDNA2015().main(dataset, {"format": "application/n-quads"}))


# One RDF term as pyld represents it: type, value, and a literal's datatype and language.
_Term = tuple[str, str, str | None, str | None]
_POSITIONS = ("subject", "predicate", "object")


class DatasetTemplate:
    """A document's RDF dataset in which some whole values are placeholders.

    `placeholders` must each be a value that JSON-LD keeps as it is (an absolute IRI where
    the real value is an IRI, any string where it is a literal), and must not occur inside
    any other value; both are checked here."""

    def __init__(self, document: Mapping[str, Any], placeholders: Iterable[str]) -> None:
        wanted = set(placeholders)
        self._graphs: list[tuple[str, list[tuple[_Term, _Term, _Term]]]] = []
        seen: set[str] = set()
        for graph, triples in _dataset(document).items():
            rows = []
            for triple in triples:
                terms = tuple(_term(triple[position]) for position in _POSITIONS)
                for term in terms:
                    if term[1] in wanted:
                        seen.add(term[1])
                    elif any(placeholder in term[1] for placeholder in wanted):
                        raise ValueError(f"a placeholder is part of the value {term[1]!r}")
                rows.append((terms[0], terms[1], terms[2]))
            self._graphs.append((graph, rows))
        if seen != wanted:
            raise ValueError(f"placeholders missing from the dataset: {sorted(wanted - seen)}")

    def canonical(self, values: Mapping[str, str]) -> str:
        """The canonical N-Quads of the document with `values` in place of the placeholders."""
        dataset: dict[str, list[dict[str, Any]]] = {}
        for graph, rows in self._graphs:
            triples: dict[tuple[_Term, ...], dict[str, Any]] = {}
            for row in rows:
                filled = tuple(_fill(term, values) for term in row)
                if filled not in triples:  # a dataset is a set: equal triples are one
                    triples[filled] = {
                        position: _as_pyld(term) for position, term in zip(_POSITIONS, filled, strict=True)
                    }
            dataset[graph] = list(triples.values())
        return _canonical_dataset(dataset)


def _term(component: Mapping[str, Any]) -> _Term:
    return (component["type"], component["value"], component.get("datatype"), component.get("language"))


def _fill(term: _Term, values: Mapping[str, str]) -> _Term:
    value = values.get(term[1])
    return term if value is None else (term[0], value, term[2], term[3])


def _as_pyld(term: _Term) -> dict[str, Any]:
    component: dict[str, Any] = {"type": term[0], "value": term[1]}
    if term[2] is not None:
        component["datatype"] = term[2]
    if term[3] is not None:
        component["language"] = term[3]
    return component
