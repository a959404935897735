"""The draw itself (双随机): a pure function of a seed and recorded inputs.

Everything that decides who may be drawn (exemptions, the visit cap, recusals)
is applied before, when the inputs are put together; the inputs are kept with
the plan, so anyone can run the draw again and get the same targets and
inspectors. Lists are sorted before sampling, so the order rows came from the
database never matters.
"""
import base64
import hashlib
import json
import random
import zlib
from array import array
from itertools import accumulate
from operator import lt, sub


class TooFewInspectors(Exception):
    def __init__(self, enterprise_id: int | None, available: int):
        super().__init__(enterprise_id, available)
        self.enterprise_id = enterprise_id
        self.available = available


def pack_ids(ids) -> str:
    """Sorted distinct ids as text: zlib over the gaps between them (a city's
    100,000 candidates take a few KB instead of 600 KB of JSON, so recording,
    hashing and storing the inputs costs next to nothing). A format of our own
    because it is a few lines and must never change: verification reads it."""
    ids = list(ids)
    if not all(map(lt, ids, ids[1:])):
        ids = sorted(set(ids))
    gaps = array("I", ids[:1])
    gaps.extend(map(sub, ids[1:], ids[:-1]))
    return base64.b64encode(zlib.compress(gaps.tobytes(), 6)).decode("ascii")


def unpack_ids(text: str) -> list[int]:
    gaps = array("I")
    gaps.frombytes(zlib.decompress(base64.b64decode(text)))
    return list(accumulate(gaps))


def candidates_of(inputs: dict) -> list[int]:
    """The candidate ids of a draw's inputs, packed (as recorded) or listed."""
    if "candidates" in inputs:
        return list(inputs["candidates"])
    return unpack_ids(inputs["candidates_packed"])


def fingerprint(inputs: dict) -> str:
    """SHA-256 of the inputs' canonical JSON: what the audit entry names."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def run(seed: str, inputs: dict) -> dict:
    """``inputs``: ``mode`` (``draw`` | ``manual``), ``candidates_packed``
    (eligible enterprise ids, ``pack_ids``; or a plain ``candidates`` list) and ``count`` for a draw or ``targets`` for a manual plan,
    ``pool`` (inspector user ids), ``recusals`` ({enterprise id as text: [user
    ids]}) and ``per_target``. Returns ``{"targets": [...], "inspectors":
    {id as text: [user ids]}}``; raises TooFewInspectors when a target has
    fewer eligible inspectors than ``per_target``."""
    rng = random.Random(seed)
    per_target = inputs["per_target"]
    if inputs["mode"] == "draw":
        targets = sorted(rng.sample(sorted(candidates_of(inputs)), inputs["count"]))
    else:
        targets = sorted(inputs["targets"])
    pool = sorted(inputs["pool"])
    if len(pool) < per_target:
        raise TooFewInspectors(None, len(pool))
    recusals = inputs.get("recusals", {})
    inspectors = {}
    for target in targets:
        recused = set(recusals.get(str(target), ()))
        eligible = [user for user in pool if user not in recused]
        if len(eligible) < per_target:
            raise TooFewInspectors(target, len(eligible))
        inspectors[str(target)] = sorted(rng.sample(eligible, per_target))
    return {"targets": targets, "inspectors": inspectors}
