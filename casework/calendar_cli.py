"""``casework calendar``: the working-day calendars deadlines count in (one file a year,
transcribed from the State Council's annual notice: docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

app = typer.Typer(help="Working-day calendars (holidays and make-up working days).")


@app.command("import")
def import_calendar(
    file: Annotated[Path, typer.Argument(help="A YYYY.json calendar (format: docs/deployment.md)")],
    replace: Annotated[bool, typer.Option(help="Replace the year's calendar")] = False,
) -> None:
    """Check a year's calendar (every date in the year and listed once, make-up working
    days on weekends, its source named) and add it to CALENDAR_DIR. Clocks started from
    then on count in it; those already running keep their due times."""
    from casework.cli import _start
    from services.deadlines.calendar import parse_calendar_file

    settings = _start()
    try:
        calendar = parse_calendar_file(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise SystemExit(f"cannot read {file}: {error.strerror}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors()
        )
        raise SystemExit(f"{file} is not a valid calendar: {problems}") from None
    except ValueError as error:  # not JSON, or a holiday listed twice
        raise SystemExit(f"{file} is not a valid calendar: {error}") from None
    target = settings.calendar_dir / f"{calendar.year}.json"
    if target.exists() and not replace:
        raise SystemExit(f"{target} exists: pass --replace to replace the {calendar.year} calendar")
    target.write_text(calendar.model_dump_json(indent=2) + "\n", encoding="utf-8")
    typer.echo(
        f"{calendar.year} calendar {calendar.version}: {len(calendar.holidays)} holidays, "
        f"{len(calendar.workdays)} make-up working days, written to {target}"
    )
