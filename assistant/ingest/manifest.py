"""The corpus manifest (``manifest.yaml``) and metadata for files it does not describe."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from assistant.errors import ConfigError
from assistant.types import DocMeta, DocType

MANIFEST_NAME = "manifest.yaml"


@dataclass(frozen=True)
class ManifestEntry:
    doc_id: str
    file: str
    title: str
    publisher: str = ""
    published: date | None = None
    date_kind: str = "published"
    url: str | None = None
    doc_type: DocType = DocType.OTHER
    countries: tuple[str, ...] = ()

    def to_meta(self, path: Path) -> DocMeta:
        return DocMeta(
            doc_id=self.doc_id,
            title=self.title,
            doc_type=self.doc_type,
            published=self.published,
            date_kind=self.date_kind,
            publisher=self.publisher,
            url=self.url,
            countries=self.countries,
            source_path=str(path),
        )


def load_manifest(folder: Path) -> dict[str, ManifestEntry]:
    """Read ``folder/manifest.yaml`` into {file name: entry}. No manifest gives {}."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix or remove the manifest") from exc
    entries: dict[str, ManifestEntry] = {}
    for i, raw in enumerate(data.get("documents") or []):
        try:
            entry = ManifestEntry(
                doc_id=str(raw["id"]),
                file=str(raw["file"]),
                title=str(raw["title"]),
                publisher=str(raw.get("publisher") or ""),
                published=_to_date(raw.get("published")),
                date_kind=str(raw.get("date_kind") or "published"),
                url=raw.get("url") or None,
                doc_type=DocType(raw.get("doc_type") or "other"),
                countries=tuple(raw.get("countries") or ()),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ConfigError(f"{path}: entry {i + 1} is invalid ({exc!r})") from exc
        entries[entry.file] = entry
    return entries


def entry_for(path: Path, manifests: dict[Path, dict[str, ManifestEntry]]) -> ManifestEntry | None:
    """The manifest entry for a file, reading (and caching) its folder's manifest."""
    folder = path.parent
    if folder not in manifests:
        manifests[folder] = load_manifest(folder)
    return manifests[folder].get(path.name)


# ------------------------------------------------------------------------- guessing metadata

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_IN_TEXT = re.compile(rf"\b(\d{{1,2}})\s+({_MONTHS}|{_MONTHS[:3]}\w*)\.?\s+(\d{{4}})\b")
# A file staff add without a manifest entry: a UN decision names itself ("Decision 2/CMA.3"),
# a negotiating draft says so near its top ("Draft decision", "draft text", "Version 14/11").
_DECISION_IN_TEXT = re.compile(r"\bDecision\s+\d+/(?:CP|CMA|CMP)\.\d+", re.I)
_DRAFT_IN_TEXT = re.compile(r"\bdraft (?:decision|text|conclusions)\b|\bnot agreed\b", re.I)
KNOWN_COUNTRIES = (
    "Singapore", "Papua New Guinea", "Ghana", "Bhutan", "Chile", "Peru", "Rwanda", "Paraguay",
    "Thailand", "Vietnam", "Viet Nam", "Mongolia", "Cambodia", "Sri Lanka", "Fiji", "Kenya",
    "Morocco", "Senegal", "Colombia", "Dominican Republic", "Costa Rica", "Philippines",
    "Indonesia", "Malaysia", "Lao PDR", "Japan", "India", "China", "South Korea", "Australia",
    "New Zealand", "Brunei", "Switzerland", "Sweden", "Norway", "Uruguay", "Bangladesh",
    "Nepal", "Ethiopia", "Tanzania", "Zambia", "Malawi", "Mauritania", "Benin", "Jordan",
)  # fmt: skip


def guess_meta(path: Path, front: dict, first_heading: str | None, text: str) -> DocMeta:
    """Metadata for a file with no manifest entry: front matter, first heading, then the text."""
    title = str(front.get("title") or first_heading or path.stem.replace("_", " ")).strip()
    published = _to_date(front.get("date") or front.get("published"))
    if published is None and (m := _DATE_IN_TEXT.search(text[:3000])):
        published = _parse_day_month_year(*m.groups())
    low = f"{path.name} {title}".lower()
    if "draft" in low or _DRAFT_IN_TEXT.search(text[:3000]):
        doc_type = DocType.DRAFT
    elif _DECISION_IN_TEXT.search(text[:5000]):
        doc_type = DocType.DECISION
    elif "annex" in low:
        doc_type = DocType.ANNEX
    elif "agreement" in low:
        doc_type = DocType.AGREEMENT
    elif "eligib" in low:
        doc_type = DocType.ELIGIBILITY_LIST
    elif "media release" in low or "press release" in low:
        doc_type = DocType.MEDIA_RELEASE
    else:
        doc_type = DocType.OTHER
    head = text[:20000]
    countries = tuple(c for c in KNOWN_COUNTRIES if re.search(rf"\b{re.escape(c)}\b", head))
    return DocMeta(
        doc_id=slugify(path.name),
        title=title,
        doc_type=doc_type,
        published=published,
        date_kind="published",
        publisher=str(front.get("publisher") or ""),
        url=front.get("url") or None,
        countries=countries,
        source_path=str(path),
    )


def slugify(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:80] or "document"


def _to_date(v: object) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v))
    except ValueError:
        return None


def _parse_day_month_year(day: str, month: str, year: str) -> date | None:
    for fmt in ("%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(
                f"{day} {month[:3] if fmt.endswith('%b %Y') else month} {year}", fmt
            ).date()
        except ValueError:
            continue
    return None
