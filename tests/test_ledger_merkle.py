"""The public ledger's cryptography (site_builder/verify_ledger.py) against RFC 6962's published vectors
(certificate-transparency's merkle tree tests: the eight leaves below and their roots per size, inclusion
and consistency paths), and Hypothesis over random sizes: every proof verifies, any bit flip fails."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from site_builder import verify_ledger as tlog

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = [  # MTH(D[n]), n = 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (first size, second size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
HASHES = [tlog.leaf_hash(d) for d in LEAVES]


def test_leaf_and_node_hashes_are_domain_separated():
    assert tlog.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b = tlog.leaf_hash(b"a"), tlog.leaf_hash(b"b")
    assert tlog.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert tlog.leaf_hash(a + b) != tlog.node_hash(a, b)


@pytest.mark.parametrize("n", range(9))
def test_roots_match_the_rfc_vectors(n):
    assert tlog.mth(HASHES[:n]).hex() == ROOTS[n]
    assert tlog.Tree(HASHES[:n]).root().hex() == ROOTS[n]
    assert tlog.Tree(HASHES).root(n).hex() == ROOTS[n]
    assert tlog.frontier_root(tlog.frontier_extend([], HASHES[:n])).hex() == ROOTS[n]


@pytest.mark.parametrize("index, size, path", INCLUSION)
def test_inclusion_proofs_match_the_rfc_vectors(index, size, path):
    tree = tlog.Tree(HASHES[:size])
    proof = tree.inclusion_proof(index)
    assert [p.hex() for p in proof] == path
    assert tlog.verify_inclusion(index, size, HASHES[index], proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize("first, second, path", CONSISTENCY)
def test_consistency_proofs_match_the_rfc_vectors(first, second, path):
    tree = tlog.Tree(HASHES[:second])
    proof = tree.consistency_proof(first)
    assert [p.hex() for p in proof] == path
    assert tlog.verify_consistency(first, bytes.fromhex(ROOTS[first]), second, bytes.fromhex(ROOTS[second]), proof)


def test_consistency_refuses_what_is_not_an_extension():
    tree = tlog.Tree(HASHES)
    proof = tree.consistency_proof(6)
    root6, root8 = bytes.fromhex(ROOTS[6]), bytes.fromhex(ROOTS[8])
    assert not tlog.verify_consistency(6, root8, 8, root8, proof)
    assert not tlog.verify_consistency(8, root8, 6, root6, [])  # a shrinking log
    assert not tlog.verify_consistency(6, root6, 8, root8, proof[:-1])
    assert not tlog.verify_consistency(8, root6, 8, root8, [])
    assert tlog.verify_consistency(0, tlog.EMPTY_ROOT, 8, root8, [])


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_every_proof_verifies_and_any_bit_flip_fails(size, data):
    hashes = [tlog.leaf_hash(f"entry {i}".encode()) for i in range(size)]
    tree = tlog.Tree(hashes)
    root = tree.root()
    assert root == tlog.mth(hashes) == tlog.frontier_root(tlog.frontier_extend([], hashes))
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index)
    assert tlog.verify_inclusion(index, size, hashes[index], proof, root)
    bit = data.draw(st.integers(0, 255))
    assert not tlog.verify_inclusion(index, size, flip(hashes[index], bit), proof, root)
    assert not tlog.verify_inclusion(index, size, hashes[index], proof, flip(root, bit))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        assert not tlog.verify_inclusion(index, size, hashes[index],
                                         proof[:which] + [flip(proof[which], bit)] + proof[which + 1:], root)
    first = data.draw(st.integers(1, size))
    old = tree.root(first)
    cproof = tree.consistency_proof(first)
    assert tlog.verify_consistency(first, old, size, root, cproof)
    if first < size:
        assert not tlog.verify_consistency(first, flip(old, bit), size, root, cproof)
        assert not tlog.verify_consistency(first, old, size, flip(root, bit), cproof)
        if cproof:
            which = data.draw(st.integers(0, len(cproof) - 1))
            assert not tlog.verify_consistency(
                first, old, size, root, cproof[:which] + [flip(cproof[which], bit)] + cproof[which + 1:])


SEED = bytes(range(32))


def test_checkpoint_note_is_c2sp_signed_and_checked():
    body = tlog.checkpoint_body("example.org/log", 8, bytes.fromhex(ROOTS[8]))
    assert body == f"example.org/log\n8\n{base64.b64encode(bytes.fromhex(ROOTS[8])).decode()}\n"
    note = tlog.sign_note(body, "example.org/log", SEED)
    key = tlog.vkey("example.org/log", tlog.public_key_bytes(SEED))
    name, khash, public = tlog.parse_vkey(key)
    assert name == "example.org/log" and khash == hashlib.sha256(b"example.org/log\n\x01" + public).digest()[:4]
    assert note.startswith(body + "\n\u2014 example.org/log ") and note.endswith("\n")
    assert len(base64.b64decode(note.rsplit(" ", 1)[1])) == 68
    assert tlog.open_note(note, key) == body
    assert tlog.parse_checkpoint(body) == ("example.org/log", 8, bytes.fromhex(ROOTS[8]))
    forged = note.replace("\n8\n", "\n9\n")
    with pytest.raises(ValueError, match="bad signature"):
        tlog.open_note(forged, key)
    other = tlog.sign_note(body, "example.org/log", bytes(32))
    with pytest.raises(ValueError):
        tlog.open_note(other, key)


def test_canonical_json_and_references():
    assert tlog.canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    ref = tlog.public_reference(b"k", "payment:1")
    assert ref.startswith("R-") and len(ref) == 12 and ref != tlog.public_reference(b"k", "payment:2")
    assert ref == tlog.public_reference(b"k", "payment:1") != tlog.public_reference(b"other", "payment:1")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(lambda t: t.encode()))
def test_hostile_log_files_are_faults_never_crashes(data):
    """Whatever a tampered site serves, the verifier answers a Fault (or ValueError for a note), nothing else."""
    try:
        tlog.parse_entries(data)
    except tlog.Fault:
        pass
    key = tlog.vkey("example.org/log", tlog.public_key_bytes(SEED))
    text = data.decode("utf-8", "replace")
    for attempt in (lambda: tlog.open_note(text, key), lambda: tlog.parse_checkpoint(text),
                    lambda: tlog.parse_vkey(text)):
        try:
            attempt()
        except ValueError:
            pass


@settings(max_examples=100, deadline=None)
@given(line=st.dictionaries(st.sampled_from(["seq", "kind", "amount", "currency", "project", "x"]),
                            st.one_of(st.integers(), st.text(max_size=5), st.none(), st.floats(allow_nan=False)),
                            max_size=6))
def test_hostile_entries_are_named(line):
    data = (tlog.canonical(line) + "\n").encode()
    valid = (line.get("seq") == 0 and line.get("kind") in tlog.KINDS and type(line.get("amount")) is int
             and isinstance(line.get("currency"), str) and isinstance(line.get("project"), str))
    if valid:
        entries, hashes = tlog.parse_entries(data)
        assert entries == [line] and hashes == [tlog.leaf_hash(data[:-1])]
    else:
        with pytest.raises(tlog.Fault, match="^entry 0: "):
            tlog.parse_entries(data)
