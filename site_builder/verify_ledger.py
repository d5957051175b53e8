"""The public ledger's cryptography and its verifier, in one file that needs only Python and `cryptography`.

Anyone can check the NGO's books with it: `python site_builder/verify_ledger.py https://SITE/` (or
`python -m site_builder verify-ledger https://SITE/`). The CMS imports the same functions to write the log
(cms/transparency/ledger/), so what is published and what is checked are computed by one source.

- The log is a Merkle tree as in RFC 6962 §2.1: leaf hash SHA-256(0x00 ‖ entry), node SHA-256(0x01 ‖ left ‖
  right); MTH of any size; inclusion and consistency proofs generated as in RFC 6962 §2.1.1/§2.1.2 and
  verified with the algorithms of RFC 9162 §2.1.3.2/§2.1.4.2.
- Each entry is one line of canonical JSON: UTF-8, sorted keys, separators (",", ":"), no ASCII escaping.
- Its head is a C2SP tlog-checkpoint ("<origin>\\n<size>\\n<base64 root>\\n") signed as a C2SP signed note
  with Ed25519: key hash = first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), signature line
  "— <name> <base64(key hash ‖ signature)>", verifier key "<name>+<hex key hash>+<base64(0x01 ‖ key)>".

Why not pymerkle (maintained, RFC 6962): the verifier must run on a donor's machine with nothing but the
standard library and `cryptography`, and the CMS must compute exactly what the verifier checks. A second
implementation on the CMS side would be a second thing to trust; pymerkle's storage backends and its own
proof serialisation bring nothing the ~150 lines below do not, and a million-leaf tree is faster here as
plain `hashlib` over bytes, level by level (no recursion, no objects per node). The code is tested against
RFC 6962's published vectors (tests/test_ledger_merkle.py).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()
SIGNATURE_PREFIX = "\u2014 "  # "— ", an em dash and a space (C2SP signed-note)
ED25519_ALG = b"\x01"
LEDGER_PATH = "transparence/registre/"
GIFT_KINDS = ("payment", "refund")  # what "money raised" sums (totals.json, the project pages)
KINDS = ("payment", "refund", "disbursement", "reversal", "grant")


# --- canonical JSON ------------------------------------------------------------------------------------

def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- RFC 6962 Merkle tree ------------------------------------------------------------------------------

def leaf_hash(entry: bytes) -> bytes:
    return _sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """Every complete subtree of a list of leaf hashes: `levels[h][i]` is the hash of leaves
    [i·2^h, (i+1)·2^h). Built bottom-up, one level at a time (2n hashes, no recursion)."""

    def __init__(self, leaf_hashes: list[bytes]):
        self.levels = [list(leaf_hashes)]
        level = self.levels[0]
        while len(level) > 1:
            level = [_sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]), for the ranges RFC 6962's recursion visits (start aligned on the split)."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            height = n.bit_length() - 1
            level = self.levels[height] if height < len(self.levels) else []
            if start // n < len(level):
                return level[start // n]
        if n == 1:
            raise ValueError("leaf outside the tree")
        k = _split(n)
        return node_hash(self.hash(start, start + k), self.hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if size > self.size or size < 0:
            raise ValueError("size outside the tree")
        return self.hash(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(m, D[n]) of RFC 6962 §2.1.1, leaf-to-root order."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError("index outside the tree")
        path, start, end, m = [], 0, size, index
        while end - start > 1:
            k = _split(end - start)
            if m < k:
                path.append(self.hash(start + k, end))
                end = start + k
            else:
                path.append(self.hash(start, start + k))
                start, m = start + k, m - k
        return path[::-1]

    def consistency_proof(self, first: int, size: int | None = None) -> list[bytes]:
        """PROOF(m, D[n]) of RFC 6962 §2.1.2 (SUBPROOF with b = true)."""
        size = self.size if size is None else size
        if not 0 < first <= size <= self.size:
            raise ValueError("sizes outside the tree")
        proof, start, end, m, complete = [], 0, size, first, True
        while True:
            n = end - start
            if m == n:
                if not complete:
                    proof.append(self.hash(start, end))
                break
            k = _split(n)
            if m <= k:
                proof.append(self.hash(start + k, end))
                end = start + k
            else:
                proof.append(self.hash(start, start + k))
                start, m, complete = start + k, m - k, False
        return proof[::-1]


def mth(leaf_hashes: list[bytes]) -> bytes:
    """MTH of a list of leaf hashes, iteratively: a lone node at the end of a level moves up unchanged,
    which gives RFC 6962's tree for any size."""
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [_sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def frontier_extend(frontier: list, leaf_hashes) -> list:
    """The right edge of a tree (its complete subtrees, [[height, hash], …] left to right, the binary
    decomposition of its size) after appending leaves: what the CMS keeps so a sync hashes only what it
    appends, whatever the size of the log."""
    edge = [(height, node) for height, node in frontier]
    for leaf in leaf_hashes:
        height, node = 0, leaf
        while edge and edge[-1][0] == height:
            node = node_hash(edge.pop()[1], node)
            height += 1
        edge.append((height, node))
    return edge


def frontier_root(frontier: list) -> bytes:
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1][1]
    for _height, node in reversed(frontier[:-1]):
        root = node_hash(node, root)
    return root


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, first_root: bytes, second: int, second_root: bytes,
                       proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2 (an empty first tree is consistent with any tree; equal sizes need equal roots)."""
    if first > second or first < 0 or any(len(p) != 32 for p in proof):
        return False
    if first == 0:
        return first_root == EMPTY_ROOT and not proof
    if first == second:
        return first_root == second_root and not proof
    if not proof:
        return False
    if first & (first - 1) == 0:  # a power of two: the first tree's root is the proof's first node
        proof = [first_root] + list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- C2SP checkpoints and signed notes (Ed25519) -------------------------------------------------------

def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def key_hash(name: str, public_key: bytes) -> bytes:
    return _sha256(name.encode() + b"\n" + ED25519_ALG + public_key).digest()[:4]


def vkey(name: str, public_key: bytes) -> str:
    return f"{name}+{key_hash(name, public_key).hex()}+{base64.b64encode(ED25519_ALG + public_key).decode()}"


def parse_vkey(text: str) -> tuple[str, bytes, bytes]:
    """(name, key hash, 32-byte public key) of a verifier key; ValueError if it is not one."""
    parts = text.strip().split("+", 2)  # a key name holds no "+"; the base64 key may
    if len(parts) != 3:
        raise ValueError("not an Ed25519 verifier key")
    name, hexhash, rest = parts
    raw = base64.b64decode(rest, validate=True)
    if not name or len(hexhash) != 8 or raw[:1] != ED25519_ALG or len(raw) != 33:
        raise ValueError("not an Ed25519 verifier key")
    if key_hash(name, raw[1:]).hex() != hexhash:
        raise ValueError("the verifier key's hash does not match its key")
    return name, bytes.fromhex(hexhash), raw[1:]


def private_key(seed: bytes):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes(seed: bytes) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return private_key(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign_note(body: str, name: str, seed: bytes) -> str:
    """The whole signed note: body, a blank line, one signature line."""
    signature = private_key(seed).sign(body.encode())
    blob = base64.b64encode(key_hash(name, public_key_bytes(seed)) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {blob}\n"


def open_note(note: str, verifier_key: str) -> str:
    """The body of a note signed by `verifier_key`; ValueError (saying why) otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, khash, public = parse_vkey(verifier_key)
    body, sep, signatures = note.partition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise ValueError("not a signed note")
    body += "\n"
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise ValueError("malformed signature line")
        signer, _, blob = line[len(SIGNATURE_PREFIX):].rpartition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise ValueError("malformed signature") from None
        if signer != name or raw[:4] != khash or len(raw) != 68:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode())
        except InvalidSignature:
            raise ValueError(f"bad signature by {name}") from None
        return body
    raise ValueError(f"no signature by {name}+{khash.hex()}")


def parse_checkpoint(body: str) -> tuple[str, int, bytes]:
    lines = body.split("\n")
    if len(lines) < 4 or not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise ValueError("not a checkpoint")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise ValueError("not a checkpoint (root)")
    return lines[0], int(lines[1]), root


# --- public references ---------------------------------------------------------------------------------

def public_reference(key: bytes, source: str) -> str:
    """"R-" and 10 base32 characters of HMAC-SHA256(key, source): known before the entry is appended (a
    thank-you e-mail prints it), reveals nothing about the gift, and cannot be guessed without the key."""
    import hmac

    digest = hmac.new(key, source.encode(), hashlib.sha256).digest()
    return "R-" + base64.b32encode(digest).decode()[:10]


def raised_totals(entries) -> dict[str, dict[str, int]]:
    """{currency: {project slug: money raised}} from entries (dicts): payments and refunds."""
    totals: dict[str, dict[str, int]] = {}
    for entry in entries:
        if entry["kind"] in GIFT_KINDS:
            per = totals.setdefault(entry["currency"], {})
            per[entry["project"]] = per.get(entry["project"], 0) + entry["amount"]
    return totals


# --- the verifier --------------------------------------------------------------------------------------

class Fault(Exception):
    """The first thing found wrong, named (an entry by its line, a checkpoint by its size)."""


@dataclass
class Report:
    size: int
    checkpoints: int
    projects: int
    reference: str | None = None


def fetcher(site: str):
    """`get(relative path) -> bytes | None` for an http(s) site or a local folder."""
    if re.match(r"^https?://", site):
        base = site if site.endswith("/") else site + "/"

        def get(path: str) -> bytes | None:
            try:
                with urllib.request.urlopen(urllib.parse.urljoin(base, path), timeout=60) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
                raise
        return get
    root = Path(site)

    def get_file(path: str) -> bytes | None:
        target = root / urllib.parse.urlsplit(path).path.lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        try:
            return target.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
    return get_file


def _text(get, path: str) -> str:
    data = get(path)
    if data is None:
        raise Fault(f"{path} is missing")
    return data.decode("utf-8")


def _parse_all(data: bytes, lines: list[bytes]) -> list[dict] | None:
    """Every line parsed and checked canonical in two C calls (a million entries in about a second): the
    lines joined as one JSON array, re-encoded canonically, must give back the same bytes. JSON objects are
    self-delimiting, so equal arrays of as many objects as lines mean each line is its object's canonical
    form. None when anything differs (the caller then looks line by line)."""
    joined = b"[" + b",".join(lines) + b"]"
    try:
        entries = json.loads(joined)
    except ValueError:
        return None
    if len(entries) != len(lines) or not all(type(e) is dict for e in entries):
        return None
    return entries if canonical(entries).encode() == joined else None


def _fields_look_right(entries: list[dict]) -> bool:
    """Every seq equals its position and every entry has its fields of the right type: C-speed passes over
    the whole log (a Python loop per entry costs seconds at a million)."""
    from operator import itemgetter

    try:
        if list(map(itemgetter("seq"), entries)) != list(range(len(entries))):
            return False
        return (set(map(itemgetter("kind"), entries)) <= set(KINDS)
                and set(map(type, map(itemgetter("amount"), entries))) <= {int}
                and set(map(type, map(itemgetter("currency"), entries))) <= {str}
                and set(map(type, map(itemgetter("project"), entries))) <= {str})
    except (KeyError, TypeError):
        return False


def parse_entries(data: bytes) -> tuple[list[dict], list[bytes]]:
    """The entries and their leaf hashes; Fault at the first line that is not the canonical JSON of an entry
    with seq equal to its line number (counted from 0)."""
    if data and not data.endswith(b"\n"):
        raise Fault("entries.jsonl: the last line is cut (no final newline)")
    lines = data.split(b"\n")[:-1] if data else []
    entries = _parse_all(data, lines)
    if entries is None:  # some line is not canonical: find the first, one line at a time
        entries = []
        for seq, raw in enumerate(lines):
            try:
                entry = json.loads(raw)
            except ValueError:
                raise Fault(f"entry {seq}: not JSON") from None
            if not isinstance(entry, dict) or canonical(entry).encode() != raw:
                raise Fault(f"entry {seq}: not canonical JSON")
            entries.append(entry)
    if not _fields_look_right(entries):  # find the first entry at fault, one at a time
        for seq, entry in enumerate(entries):
            if entry.get("seq") != seq:
                raise Fault(f"entry {seq}: its seq is {entry.get('seq')!r} (reordered, removed or inserted entries)")
            if entry.get("kind") not in KINDS or type(entry.get("amount")) is not int \
                    or not isinstance(entry.get("currency"), str) or not isinstance(entry.get("project"), str):
                raise Fault(f"entry {seq}: not a ledger entry (kind, amount, currency, project)")
    hashes = [_sha256(b"\x00" + raw).digest() for raw in lines]
    return entries, hashes


def verify_site(site: str, reference: str | None = None, get=None) -> Report:
    """Check the ledger a site publishes; Fault naming the first entry or checkpoint at fault. The garbage
    collector is paused meanwhile: a million entries are a million dicts that all live to the end, and its
    passes over them (seconds) would free nothing."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return _verify_site(site, reference, get)
    finally:
        if enabled:
            gc.enable()


def _verify_site(site: str, reference: str | None = None, get=None) -> Report:
    get = get or fetcher(site)
    base = LEDGER_PATH
    key = _text(get, base + "cle.txt").strip()
    try:
        parse_vkey(key)
    except ValueError as exc:
        raise Fault(f"cle.txt: {exc}") from None
    data = get(base + "entries.jsonl")
    if data is None:
        raise Fault("entries.jsonl is missing")
    entries, hashes = parse_entries(data)
    tree = Tree(hashes)

    def checkpoint(path: str) -> tuple[str, int, bytes]:
        try:
            return parse_checkpoint(open_note(_text(get, path), key))
        except ValueError as exc:
            raise Fault(f"{path}: {exc}") from None

    origin, size, root = checkpoint(base + "checkpoint")
    if size != tree.size:
        raise Fault(f"checkpoint: its size is {size} but entries.jsonl has {tree.size} entries"
                    + (" (truncated log)" if size > tree.size else ""))
    sizes = [line.strip() for line in _text(get, base + "checkpoints/index.txt").splitlines() if line.strip()]
    if tree.root() != root:
        raise Fault(f"{first_changed_entry(tree, sizes, checkpoint, size)}: the entries do not hash to the "
                    "signed root of the latest checkpoint (an entry was edited)")
    previous = -1
    for text in sizes:
        if not text.isdigit():
            raise Fault(f"checkpoints/index.txt: {text!r} is not a size")
        old_origin, old_size, old_root = checkpoint(base + f"checkpoints/{text}")
        if old_size != int(text) or old_origin != origin:
            raise Fault(f"checkpoints/{text}: its size or origin does not match its name")
        if old_size <= previous:
            raise Fault(f"checkpoints/{text}: sizes shrink or repeat (after {previous})")
        if old_size > size:
            raise Fault(f"checkpoints/{text}: larger than the latest checkpoint ({size}): the log shrank")
        proof = tree.consistency_proof(old_size, size) if old_size else []
        if not verify_consistency(old_size, old_root, size, root, proof):
            raise Fault(f"checkpoints/{text}: not consistent with the latest checkpoint (the log was rewritten)")
        previous = old_size
    if size and str(size) not in sizes:  # a cached index.txt may lag; the latest must be kept all the same
        kept = checkpoint(base + f"checkpoints/{size}")
        if kept != (origin, size, root):
            raise Fault(f"checkpoints/{size}: not the latest checkpoint it is named after")
    check_totals(get, base, entries)
    found = None
    if reference:
        found = find_reference(tree, entries, reference, root)
    return Report(size=size, checkpoints=len(sizes), projects=len({e["project"] for e in entries}), reference=found)


def first_changed_entry(tree: Tree, sizes: list[str], checkpoint, size: int) -> str:
    """Where the entries stop matching what was signed: each earlier checkpoint signed the root of a prefix,
    so the fault lies after the largest one that still matches and before the next one (a checkpoint per
    sync: usually exactly one entry)."""
    good, bad = 0, size
    for text in sizes:
        if not text.isdigit() or int(text) > tree.size:
            continue
        _origin, old_size, old_root = checkpoint(LEDGER_PATH + f"checkpoints/{text}")
        if old_size != int(text):
            continue
        if tree.root(old_size) == old_root:
            good = max(good, old_size)
        elif old_size > good:
            bad = min(bad, old_size)
    return f"entry {good}" if bad - good <= 1 else f"entries {good} to {bad - 1}"


def check_totals(get, base: str, entries: list[dict]) -> None:
    totals = raised_totals(entries)
    try:
        published = json.loads(_text(get, base + "totals.json"))
    except ValueError:
        raise Fault("totals.json: not JSON") from None
    if published != totals:
        for currency in sorted(set(published) | set(totals)):
            mine, theirs = totals.get(currency, {}), published.get(currency, {})
            for slug in sorted(set(mine) | set(theirs)):
                if mine.get(slug) != theirs.get(slug):
                    raise Fault(f"totals.json: {currency} {slug or '(fonds général)'} shows {theirs.get(slug)} "
                                f"but the entries add up to {mine.get(slug, 0)}")
        raise Fault("totals.json differs from the entries")
    index = _text(get, base + "index.html")
    for slug, currency, href in re.findall(
            r'data-ledger-project="([^"]*)" data-ledger-currency="([A-Z]{3})" href="([^"]+)"', index):
        page = get(urllib.parse.urlsplit(href).path.lstrip("/") if re.match(r"^https?://", href) else href.lstrip("/"))
        if page is None:
            raise Fault(f"project page {href} is missing")
        shown = re.search(rb'data-ledger-raised="(-?\d+)"', page)
        value = int(shown.group(1)) if shown else 0
        if value != totals.get(currency, {}).get(slug, 0):
            raise Fault(f"project page {href} shows {value} {currency} raised but the entries add up to "
                        f"{totals.get(currency, {}).get(slug, 0)}")


def find_reference(tree: Tree, entries: list[dict], reference: str, root: bytes) -> str:
    for index, entry in enumerate(entries):
        if entry.get("reference") == reference:
            proof = tree.inclusion_proof(index)
            if not verify_inclusion(index, tree.size, tree.levels[0][index], proof, root):
                raise Fault(f"entry {index}: the inclusion proof of {reference} fails")
            return canonical(entry)
    raise Fault(f"reference {reference}: not in the ledger")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="verify-ledger", description="Check the public ledger of a site.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("site", help="the site's address (https://…/) or a local folder holding the built site")
    parser.add_argument("--reference", help="a gift's public reference (R-…): check that it is in the ledger")


def run(args) -> int:
    try:
        report = verify_site(args.site, args.reference)
    except Fault as exc:
        print(f"LEDGER FAULT: {exc}", file=sys.stderr)
        return 1
    except (OSError, urllib.error.URLError) as exc:
        print(f"cannot read the ledger: {exc}", file=sys.stderr)
        return 2
    print(f"OK: {report.size} entries, {report.checkpoints} checkpoints consistent, signatures and totals verified")
    if report.reference:
        print(f"{args.reference} is in the ledger: {report.reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
