"""`manage.py evaluate LABELS.json DIR`: score the extractor against hand-checked labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from registry.catalogue import load
from scraper.documents import parse
from scraper.extract import extract
from scraper.extract.scoring import Score, score_document


class Command(BaseCommand):
    help = "Extract every labelled document in DIR and print misses, extras, precision, recall."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("labels", help="labels JSON: {documents: {FILE: {required, optional}}}")
        parser.add_argument("directory", help="folder holding the labelled files")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            documents = json.loads(Path(options["labels"]).read_text(encoding="utf-8"))["documents"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{options['labels']}: not a labels file ({exc})") from exc
        folder = Path(options["directory"])
        catalogue = load()
        total = Score()
        for name, label in sorted(documents.items()):
            path = folder / name
            if not path.is_file():
                self.stdout.write(f"{name}: missing file")
                total = total + Score(fn=len(label.get("required", [])))
                continue
            result = extract(parse(path.read_bytes()), catalogue=catalogue)
            score = score_document(result.processors, label)
            total = total + score
            if score.missed or score.extra:
                self.stdout.write(f"{name}: missed {list(score.missed)} extra {list(score.extra)}")
        self.stdout.write(
            f"documents={len(documents)} tp={total.tp} fp={total.fp} fn={total.fn} "
            f"precision={total.precision:.3f} recall={total.recall:.3f}"
        )
