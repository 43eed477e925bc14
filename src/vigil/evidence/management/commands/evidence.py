"""`vigil evidence backtest`: how well the likelihood proposals would have predicted each year
of the incident record (docs/evidence.md)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from vigil.core.errors import ValidationFailed
from vigil.evidence import backtest, selectors, services

FORMATS = ("text", "json", "markdown")
BY_SUFFIX = {".json": "json", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def _year(value: str) -> int:
    try:
        year = int(value)
    except ValueError as exc:
        raise CommandError(_("“%(value)s” is not a year.") % {"value": value}) from exc
    if not 1900 <= year <= 2999:
        raise CommandError(_("%(year)d is not a year the record can hold.") % {"year": year})
    return year


class Command(BaseCommand):
    help = ("Evidence tools. `vigil evidence backtest --train-until YEAR` proposes the incidents "
            "of each country for YEAR+1 from the data up to YEAR, with the model chosen on the "
            "years before, and scores the proposals against what happened (Spearman's rank "
            "correlation against last year's and the three-year count, calibration per "
            "likelihood step). "
            "--through YEAR2 tests every year from YEAR+1 to YEAR2+1.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["backtest"])
        parser.add_argument("--train-until", required=True, type=str,
                            help="The last year of data the first proposals are made from.")
        parser.add_argument("--through", type=str, default=None,
                            help="The last year of data to train on: tests the years "
                                 "train-until+1 to through+1 (default: one year).")
        parser.add_argument("--format", choices=FORMATS, default="text",
                            help="What is printed: text (default), json (one JSON object) or "
                                 "markdown.")
        parser.add_argument("--output", type=Path, default=None,
                            help="Also write the report to this file, in the format its "
                                 "suffix names (.json, .md, .txt), else in --format.")
        parser.add_argument("--apply", action="store_true",
                            help="Save the parameters chosen for the last test year as the "
                                 "evidence settings (audited).")
        parser.add_argument("--no-ceiling", action="store_true",
                            help="Skip the noise-ceiling simulation (faster).")

    def handle(self, *args: Any, **options: Any) -> None:
        train_until = _year(options["train_until"])
        through = _year(options["through"]) if options["through"] else train_until
        history = backtest.History(backtest.load_records())
        try:
            result = backtest.run(history, train_until, through,
                                  ceiling=not options["no_ceiling"])
        except backtest.BacktestError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.report(result, options["format"]), ending="")
        output: Path | None = options["output"]
        if output is not None:
            fmt = BY_SUFFIX.get(output.suffix.lower(), options["format"])
            try:
                output.write_text(self.report(result, fmt), encoding="utf-8")
            except OSError as exc:
                raise CommandError(_("Cannot write %(file)s: %(error)s")
                                   % {"file": output, "error": exc.strerror}) from exc
            self.stderr.write(_("Report written to %(file)s.") % {"file": output})
        if options["apply"]:
            self.apply(result)

    @staticmethod
    def report(result: backtest.Run, fmt: str) -> str:
        if fmt == "json":
            return json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n"
        return backtest.render(result, markdown=fmt == "markdown")

    def apply(self, result: backtest.Run) -> None:
        last = result.last
        chosen = last.choice.candidate.params
        if chosen is None:
            raise CommandError(_("The model chosen for %(year)d is the regression, which has "
                                 "no parameters of the proposals to save.")
                               % {"year": last.year})
        current = selectors.settings_row().params
        params = dataclasses.replace(current, half_life_years=chosen.half_life_years,
                                     severity_weight=chosen.severity_weight,
                                     neighbour_weight=chosen.neighbour_weight)
        name = (f"vigil evidence backtest --train-until {result.train_until} "
                f"--through {result.through} (chosen for {last.year})")
        try:
            row = services.settings_apply(params=params, chosen_by=name)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(_("Evidence settings saved (version %(version)d): %(model)s.")
                          % {"version": row.version, "model": last.choice.candidate.label})
