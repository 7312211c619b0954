"""The Finnish concept lexicon of the UN SDG targets (data/sdg/fi-target-concepts.yaml), read and checked.

Terms are written in their base forms; a strategy's words are brought to base forms and their
compounds split when they are matched (kemi_graph/pipeline/finnish.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

from kemi_graph.pipeline.finnish import tokens
from kemi_graph.errors import InputError
from kemi_graph.resources import data_dir

LEXICON_FILE = Path("sdg") / "fi-target-concepts.yaml"
EVIDENCE_CLASSES = ("core+context", "core", "cues", "cue+context", "goal")
_GOAL_CODE = re.compile(r"^([1-9]|1[0-7])$")
_TARGET_CODE = re.compile(r"^([1-9]|1[0-7])\.([1-9][0-9]?|[a-z])$")


@dataclass(frozen=True)
class Term:
    text: str
    words: tuple[str, ...]  # lower-cased, as written: base forms


@dataclass(frozen=True)
class Target:
    code: str
    en: str
    fi: str
    core: tuple[Term, ...]
    cue: tuple[Term, ...]


@dataclass(frozen=True)
class Goal:
    code: str
    en: str
    fi: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Lexicon:
    version: str
    threshold: Decimal
    calibration: dict[str, Decimal]  # evidence class -> score
    negative: tuple[Term, ...]
    targets: dict[str, Target]
    goals: dict[str, Goal]
    words: frozenset[str]  # every one-word term's lemma: the parts a compound is split into
    sha256: str
    path: Path


def _terms(path: Path, where: str, raw: object) -> tuple[Term, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(t, str) and t.strip() for t in raw):
        raise InputError(f"{path}: {where}: expected a list of words")
    return tuple(Term(t, tuple(tokens(t))) for t in raw)


def _decimal(path: Path, where: str, raw: object) -> Decimal:
    try:
        value = Decimal(str(raw))
    except ArithmeticError as error:
        raise InputError(f"{path}: {where}: {raw!r} is not a number") from error
    if not Decimal(0) <= value <= Decimal(1):
        raise InputError(f"{path}: {where}: {value} is not in [0, 1]")
    return value


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read and check the lexicon; errors name the file and the entry at fault."""
    path = path or data_dir() / LEXICON_FILE
    try:
        raw = path.read_bytes()
        document = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"{path}: cannot read the SDG concept lexicon: {error}") from error
    if not isinstance(document, Mapping) or not isinstance(document.get("targets"), Mapping):
        raise InputError(f"{path}: expected a mapping with 'targets'")
    calibration = document.get("calibration")
    if not isinstance(calibration, Mapping) or set(calibration) != set(EVIDENCE_CLASSES):
        raise InputError(f"{path}: calibration: expected a score for each of {', '.join(EVIDENCE_CLASSES)}")
    targets: dict[str, Target] = {}
    for code, entry in document["targets"].items():
        code = str(code)
        if not _TARGET_CODE.match(code) or not isinstance(entry, Mapping):
            raise InputError(f"{path}: targets.{code}: not a UN SDG target code such as 3.4 or 3.d with its entry")
        core = _terms(path, f"targets.{code}.core", entry.get("core"))
        if not core or not entry.get("en") or not entry.get("fi"):
            raise InputError(f"{path}: targets.{code}: needs en, fi and at least one core term")
        targets[code] = Target(code, str(entry["en"]), str(entry["fi"]), core, _terms(path, f"targets.{code}.cue", entry.get("cue")))
    if not isinstance(document.get("goals", {}), Mapping):
        raise InputError(f"{path}: goals: expected a mapping of goal numbers")
    goals: dict[str, Goal] = {}
    for code, entry in document.get("goals", {}).items():
        code = str(code)
        if not _GOAL_CODE.match(code) or not isinstance(entry, Mapping):
            raise InputError(f"{path}: goals.{code}: not a UN SDG goal number from 1 to 17 with its entry")
        terms = _terms(path, f"goals.{code}.terms", entry.get("terms"))
        if not terms or not entry.get("en") or not entry.get("fi"):
            raise InputError(f"{path}: goals.{code}: needs en, fi and at least one term")
        goals[code] = Goal(code, str(entry["en"]), str(entry["fi"]), terms)
    negative = _terms(path, "negative", document.get("negative"))
    every = [t for target in targets.values() for t in target.core + target.cue] + [t for goal in goals.values() for t in goal.terms] + list(negative)
    return Lexicon(
        version=str(document.get("version", "")),
        threshold=_decimal(path, "threshold", document.get("threshold")),
        calibration={c: _decimal(path, f"calibration.{c}", calibration[c]["score"] if isinstance(calibration[c], Mapping) else None) for c in EVIDENCE_CLASSES},
        negative=negative,
        targets=targets,
        goals=goals,
        words=frozenset(t.words[0] for t in every if len(t.words) == 1),
        sha256=hashlib.sha256(raw).hexdigest(),
        path=path,
    )
