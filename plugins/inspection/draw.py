"""The draw itself (双随机): a pure function of a seed and recorded inputs.

Everything that decides who may be drawn (exemptions, the visit cap, recusals)
is applied before, when the inputs are put together; the inputs are kept with
the plan, so anyone can run the draw again and get the same targets and
inspectors. Lists are sorted before sampling, so the order rows came from the
database never matters.
"""
import hashlib
import json
import random


class TooFewInspectors(Exception):
    def __init__(self, enterprise_id: int | None, available: int):
        super().__init__(enterprise_id, available)
        self.enterprise_id = enterprise_id
        self.available = available


def fingerprint(inputs: dict) -> str:
    """SHA-256 of the inputs' canonical JSON: what the audit entry names."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def run(seed: str, inputs: dict) -> dict:
    """``inputs``: ``mode`` (``draw`` | ``manual``), ``candidates`` (eligible
    enterprise ids) and ``count`` for a draw or ``targets`` for a manual plan,
    ``pool`` (inspector user ids), ``recusals`` ({enterprise id as text: [user
    ids]}) and ``per_target``. Returns ``{"targets": [...], "inspectors":
    {id as text: [user ids]}}``; raises TooFewInspectors when a target has
    fewer eligible inspectors than ``per_target``."""
    rng = random.Random(seed)
    per_target = inputs["per_target"]
    if inputs["mode"] == "draw":
        targets = sorted(rng.sample(sorted(inputs["candidates"]), inputs["count"]))
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
