"""The verbal probability scale: phrases ("unlikely", "I do not think ... will") mapped to numbers.

The scale is data (``tracker/scales/verbal-<N>.yaml``, package data), never code, and it is versioned: a
forecast keeps the phrase it was derived from and the scale version, so a later scale can re-derive the
number. Each phrase's ``p`` is the probability of the statement the phrase hedges ("X is unlikely" gives
P(X) = 0.20); negated hedges ("I do not think X will") give P(X) for X without the negation. Whether X is
the question's YES or its NO is the forecast's *reading*: see `derive`.

Pure apart from reading the scale files; ``load_scale`` is called by the shell, never by ``decide``.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from tracker.errors import ScaleError as ScaleError
from tracker.errors import UnknownPhrase as UnknownPhrase

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = [
    "READINGS",
    "Phrase",
    "Reading",
    "Scale",
    "ScaleError",
    "UnknownPhrase",
    "PUBLISHED_DIGESTS",
    "available_versions",
    "check_digest",
    "check_published",
    "derive",
    "explain_reading",
    "load_scale",
    "normalise_phrase",
]

Reading: TypeAlias = Literal["affirms", "negates"]
READINGS: tuple[Reading, ...] = ("affirms", "negates")

_FILE_RE = re.compile(r"^verbal-([1-9][0-9]*)\.yaml$")
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
    }
)


# Remembered: a catalog's verbal forecasts say a few phrases thousands of times, each looked up on the scale.
@functools.lru_cache(maxsize=4096)
def normalise_phrase(text: str) -> str:
    """Lowercase, curly quotes straight, "…" as " ... ", commas dropped, whitespace folded, ends trimmed."""
    s = text.translate(_QUOTES).lower().replace(",", " ")
    s = re.sub(r"\s*\.\.\.+\s*", " ... ", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip(" .;:!?\"'()[]-–—")


@dataclass(frozen=True)
class Phrase:
    """One scale entry. ``p`` is P(X) for the statement X the phrase hedges; ``interval`` contains it."""

    phrase: str
    p: float
    interval: tuple[float, float]
    basis: str
    aliases: tuple[str, ...] = ()
    negated: bool = False
    notes: str | None = None


@dataclass(frozen=True)
class Scale:
    version: int
    phrases: tuple[Phrase, ...]
    name: str = ""
    published: date | None = None
    notes: str | None = None
    _index: dict[str, Phrase] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Phrase] = {}
        for entry in self.phrases:
            for name in (entry.phrase, *entry.aliases):
                key = normalise_phrase(name)
                other = index.get(key)
                if other is not None and other is not entry:
                    raise ScaleError(
                        f"verbal scale v{self.version}: {name!r} names both {other.phrase!r} and {entry.phrase!r}"
                    )
                index[key] = entry
        self._index.update(index)

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of what the scale means: its version and, entry by entry, the phrase, aliases, p, interval and
        negation (not the prose: basis and notes). A version names one content: `check_published` refuses a file
        that calls itself a published version with another content, and `tracker verify` checks each verbal
        forecast's recorded digest."""
        entries = [[e.phrase, list(e.aliases), e.p, list(e.interval), e.negated] for e in self.phrases]
        text = json.dumps([self.version, entries], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def lookup(self, text: str) -> Phrase:
        """The entry whose phrase or alias equals ``text`` after `normalise_phrase`; else `UnknownPhrase`."""
        found = self._index.get(normalise_phrase(text))
        if found is None:
            raise UnknownPhrase(text, self.nearest(text), self.version)
        return found

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and normalise_phrase(text) in self._index

    def nearest(self, text: str, n: int = 3) -> list[str]:
        """The ``n`` canonical phrases closest to ``text`` (difflib ratio over phrases and aliases)."""
        candidates = difflib.get_close_matches(
            normalise_phrase(text), list(self._index), n=len(self._index), cutoff=0.0
        )
        out: list[str] = []
        for key in candidates:
            canonical = self._index[key].phrase
            if canonical not in out:
                out.append(canonical)
            if len(out) == n:
                break
        return out


#: The digest (`Scale.digest`) of each published scale version: a file that calls itself one of these versions must
#: have this content, wherever it is read from (the package, $TRACKER_SCALE_DIR).
PUBLISHED_DIGESTS: dict[int, str] = {
    1: "ea0d8077f080ad02aa99d784c07b52375865eb4062889b276470a80828588068",
}


def check_published(scale: Scale, where: str) -> None:
    """Refuse a scale that calls itself a published version but says something else."""
    published = PUBLISHED_DIGESTS.get(scale.version)
    if published is not None and scale.digest != published:
        raise ScaleError(
            f"{where}: calls itself verbal scale v{scale.version}, but its content differs from the published "
            f"v{scale.version} (digest {scale.digest[:12]}…, published {published[:12]}…); give it a version of "
            "its own"
        )


_DIGEST_RE = re.compile(r"[0-9a-f]{64}")


def check_digest(version: Any, digest: Any, field_name: str = "scale_digest") -> str:
    """A forecast's recorded scale digest: 64 hex digits, and for a published version, that version's content."""
    from tracker.errors import UserError

    if not isinstance(digest, str) or not _DIGEST_RE.fullmatch(digest):
        raise UserError(f"{digest!r} is not a scale digest (64 lowercase hex digits)", field_name)
    published = PUBLISHED_DIGESTS.get(version) if isinstance(version, int) else None
    if published is not None and digest != published:
        raise UserError(
            f"scale v{version} with digest {digest[:12]}… is not the published v{version} ({published[:12]}…): "
            "a scale version names one content",
            field_name,
        )
    return digest


def derive(phrase: Phrase, reading: Reading) -> tuple[float, float, float]:
    """``(p_yes, low, high)`` for a question, given the phrase and whether the hedged statement asserts
    the question's YES (``affirms``) or its NO (``negates``: p and the interval are flipped)."""
    low, high = phrase.interval
    if reading == "affirms":
        return phrase.p, low, high
    if reading == "negates":
        return _flip(phrase.p), _flip(high), _flip(low)
    raise ValueError(f"reading must be one of {', '.join(READINGS)}, not {reading!r}")


def _flip(x: float) -> float:
    return round(1.0 - x, 12)


def _missing(x: Any) -> bool:
    # None, NaN, or pandas' NA (whose comparisons are not booleans) as a read model hands them over
    return x is None or (isinstance(x, float) and math.isnan(x)) or type(x).__name__ == "NAType"


def _two(x: Any) -> str:
    return f"{float(x):.2f}"


def explain_reading(
    phrase: Any, reading: Any, p_yes: Any, p_low: Any, p_high: Any, scale_version: Any, quotes: str = "“”"
) -> str | None:
    """How a verbal forecast became its number, in one line for a reader: the phrase, whether it affirms or
    negates the question, P(YES) with the phrase's interval, and the scale version, as in
    ``“probably” negates the question → P(YES) 0.30, 0.20–0.40, scale v1``. None for a forecast without a
    phrase (a stated number). A missing reading is the default one, affirms; a missing interval is left out."""
    if _missing(phrase) or str(phrase) == "":
        return None
    said = "negates" if reading == "negates" else "affirms"
    text = f"{quotes[0]}{phrase}{quotes[-1]} {said} the question"
    if _missing(p_yes):
        return text
    text += f" → P(YES) {_two(p_yes)}"
    if not _missing(p_low) and not _missing(p_high):
        text += f", {_two(p_low)}–{_two(p_high)}"
    if not _missing(scale_version):
        text += f", scale v{int(scale_version)}"
    return text


# ---------------------------------------------------------------------------------------------- loading


def _package_dir() -> Traversable:
    from importlib import resources  # with PyYAML, only where a scale is loaded: start-up of every command

    return resources.files("tracker").joinpath("scales")


def _versions_in(directory: Traversable | Path) -> dict[int, Traversable | Path]:
    found: dict[int, Traversable | Path] = {}
    if not directory.is_dir():
        return found
    for entry in directory.iterdir():
        m = _FILE_RE.match(entry.name)
        if m and entry.is_file():
            found[int(m.group(1))] = entry
    return found


def available_versions(directory: Path | None = None) -> list[int]:
    """Scale versions present, ascending: the package's, or those in ``directory`` (``verbal-<N>.yaml``)."""
    return sorted(_versions_in(directory if directory is not None else _package_dir()))


def load_scale(version: int | None = None, directory: Path | None = None) -> Scale:
    """Read a scale: ``version`` (the latest when None) from the package data, or from ``directory``."""
    if directory is None:
        return _load_packaged(version)
    return _load_from(directory, version)


@functools.lru_cache(maxsize=8)
def _load_packaged(version: int | None) -> Scale:
    return _load_from(_package_dir(), version)


def _load_from(directory: Traversable | Path, version: int | None) -> Scale:
    files = _versions_in(directory)
    if not files:
        raise ScaleError(f"no verbal scale files (verbal-<N>.yaml) in {directory}")
    chosen = max(files) if version is None else version
    if chosen not in files:
        raise ScaleError(f"verbal scale v{chosen} not found; available: {', '.join(f'v{v}' for v in sorted(files))}")
    path = files[chosen]
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ScaleError(f"{path}: unreadable scale file: {exc}") from exc
    except RecursionError:
        # PyYAML composes recursively: a file nested thousands of levels deep exhausts the stack.
        raise ScaleError(f"{path}: unreadable scale file: nested too deeply") from None
    except OSError as exc:
        raise ScaleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    scale = _parse(data, chosen, str(path))
    check_published(scale, str(path))
    return scale


def _parse(data: Any, file_version: int, where: str) -> Scale:
    if not isinstance(data, dict):
        raise ScaleError(f"{where}: a scale file is a mapping with version and phrases")
    if data.get("version") != file_version:
        raise ScaleError(f"{where}: version {data.get('version')!r} does not match the file name (v{file_version})")
    raw = data.get("phrases")
    if not isinstance(raw, list) or not raw:
        raise ScaleError(f"{where}: phrases must be a non-empty list")
    phrases = tuple(_parse_phrase(item, i, where) for i, item in enumerate(raw))
    published = data.get("published")
    if isinstance(published, str):
        try:
            published = date.fromisoformat(published)
        except ValueError as exc:
            raise ScaleError(f"{where}: published: not a date: {published!r}") from exc
    if published is not None and not isinstance(published, date):
        raise ScaleError(f"{where}: published: not a date: {published!r}")
    return Scale(
        version=file_version,
        phrases=phrases,
        name=str(data.get("name") or f"verbal scale v{file_version}"),
        published=published,
        notes=data.get("notes"),
    )


def _parse_phrase(item: Any, i: int, where: str) -> Phrase:
    if not isinstance(item, dict):
        raise ScaleError(f"{where}: phrases[{i}]: not a mapping")
    name = item.get("phrase")
    label = f"{where}: {name if isinstance(name, str) else f'phrases[{i}]'}"
    if not isinstance(name, str) or not name.strip():
        raise ScaleError(f"{label}: phrase: required text")
    p = item.get("p")
    if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or not 0 <= p <= 1:
        raise ScaleError(f"{label}: p: must be a number in [0, 1], not {p!r}")
    interval = item.get("interval")
    if (
        not isinstance(interval, list)
        or len(interval) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in interval)
    ):
        raise ScaleError(f"{label}: interval: must be [low, high]")
    low, high = float(interval[0]), float(interval[1])
    if not (0 <= low <= p <= high <= 1):
        raise ScaleError(f"{label}: interval: [{low}, {high}] must lie in [0, 1] and contain p = {p}")
    basis = item.get("basis")
    if not isinstance(basis, str) or not basis.strip():
        raise ScaleError(f"{label}: basis: every entry cites its published basis (or says there is none)")
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise ScaleError(f"{label}: aliases: must be a list of text")
    negated = item.get("negated", False)
    if not isinstance(negated, bool):
        raise ScaleError(f"{label}: negated: must be true or false")
    notes = item.get("notes")
    if negated and not (isinstance(notes, str) and notes.strip()):
        raise ScaleError(f"{label}: notes: a negated entry must say what its p is the probability of")
    unknown = set(item) - {"phrase", "aliases", "p", "interval", "basis", "negated", "notes"}
    if unknown:
        raise ScaleError(f"{label}: unknown fields: {', '.join(sorted(unknown))}")
    return Phrase(
        phrase=name.strip(),
        p=float(p),
        interval=(low, high),
        basis=basis.strip(),
        aliases=tuple(a.strip() for a in aliases),
        negated=negated,
        notes=notes.strip() if isinstance(notes, str) else None,
    )
