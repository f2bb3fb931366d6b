"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite.

To sign: canonicalize (RDFC-1.0) the proof options, given the document's `@context`, and
the document without its proof; hash each with SHA-256; sign the two hashes, options
first, with Ed25519; `proofValue` is `z` + base58btc of the signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import base58

from programhub.core.credentials import keys, linked_data
from programhub.core.credentials.keys import SigningKey

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION = "assertionMethod"


def options(verification_method: str, created: str | None) -> dict[str, Any]:
    """A proof without its value. `created` is optional: a status list leaves it out, so
    that its proof does not tell when a bit last changed."""
    proof: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE}
    if created is not None:
        proof["created"] = created
    return {**proof, "verificationMethod": verification_method, "proofPurpose": ASSERTION}


def options_hash(context: Any, proof_options: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(linked_data.canonical({"@context": context, **proof_options}).encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class Prover:
    """Signs documents that share one `@context` and one set of proof options (a batch):
    the options are canonicalized once."""

    key: SigningKey
    proof_options: dict[str, Any]
    _options_hash: bytes

    @classmethod
    def for_context(cls, key: SigningKey, context: Any, proof_options: dict[str, Any]) -> Prover:
        return cls(key, proof_options, options_hash(context, proof_options))

    def proof(self, canonical_document: str) -> dict[str, Any]:
        """The proof of a document whose canonical N-Quads are given."""
        document_hash = hashlib.sha256(canonical_document.encode("utf-8")).digest()
        signature = self.key.sign(self._options_hash + document_hash)
        return {**self.proof_options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}

    def sign(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The document with its proof (canonicalized whole: for one-off documents)."""
        return {**document, "proof": self.proof(linked_data.canonical(document))}


def verify(document: Mapping[str, Any], public_key_for: Callable[[str], bytes | None]) -> bool:
    """Whether the document's one `eddsa-rdfc-2022` proof holds under the public key that
    `public_key_for` gives for its verification method (None: unknown method)."""
    proof = document.get("proof")
    if not isinstance(proof, Mapping):
        return False
    value = proof.get("proofValue")
    method = proof.get("verificationMethod")
    if (
        proof.get("type") != PROOF_TYPE
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != ASSERTION
        or not isinstance(value, str)
        or not value.startswith("z")
        or not isinstance(method, str)
    ):
        return False
    public_key = public_key_for(method)
    if public_key is None:
        return False
    try:
        signature = base58.b58decode(value[1:])
    except ValueError:
        return False
    unsecured = {name: item for name, item in document.items() if name != "proof"}
    proof_options = {name: item for name, item in proof.items() if name != "proofValue"}
    try:
        message = (
            options_hash(document.get("@context"), proof_options)
            + hashlib.sha256(linked_data.canonical(unsecured).encode("utf-8")).digest()
        )
    except linked_data.JsonLdError:
        return False
    return keys.verify_signature(public_key, signature, message)
