"""Benchmark exporting signatures to CSV: rows per second and peak memory, at two sizes.

    .venv/bin/python bench/exports.py [--rows 1000000] [--database-url URL]

Builds a petition with ROWS confirmed signatures (postcodes across North Yorkshire and beyond,
the demo's area mapping, a third sharing their name), then runs `campaign export petition` in a
fresh process for a tenth of the rows and for all of them, printing rows/s, the peak resident
memory of that process, and the file size. Memory that does not grow with rows shows as nearly the
same peak at both sizes. (Python and the app alone take about 80 MB before the first row.)
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SECRET_KEY = "benchmark-secret-key-0123456789-abcdefghijkl"
SLUG = "export-bench"


def prepare(database_url: str, instance: Path, rows: int, slug: str, seed: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from campaign import create_app
    from campaign.accounts.service import NewOrganiser, create_organiser
    from campaign.areas.service import parse_mapping_csv, replace_mapping
    from campaign.demo_sample import DISTRICTS, FIRST_NAMES, SURNAMES, _postcode
    from campaign.extensions import db
    from campaign.petitions.service import PetitionDraft, create_petition, open_petition
    from campaign.signing.models import Signature

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        organiser = create_organiser(NewOrganiser(f"bench-{slug}@example.org", "Bench", "benchmark password 1",
                                                  organisation_name=f"Bench {slug}"))  # fmt: skip
        mapping = Path(__file__).resolve().parent.parent / "campaign" / "demo_data" / "north-yorkshire-areas.csv"
        replace_mapping(organiser, parse_mapping_csv(mapping.read_text()))
        petition = create_petition(organiser, PetitionDraft("Export benchmark", "Rows.", "Body.", 1_000_000, slug=slug))
        open_petition(organiser, petition.id)
        districts, weights = zip(*DISTRICTS.items(), strict=True)
        start = time.time() - 30 * 86_400
        batch = []
        for n in range(1, rows + 1):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            moment = datetime.fromtimestamp(start + n * (30 * 86_400 / rows), UTC)
            batch.append({
                "petition_id": petition.id, "state": "confirmed", "name": name, "name_key": f"k{n}",
                "email": f"s{n}@example.org", "canonical_email": f"s{n}@example.org", "household_slot": 1,
                "postcode": _postcode(rng, rng.choices(districts, weights)[0]), "country": None,
                "notify_progress": False, "share_name": n % 3 == 0, "confirmation_nonce": f"n{n}", "emails_sent": 1,
                "created_at": moment, "confirmed_at": moment,
            })  # fmt: skip
            if len(batch) == 20_000:
                db.session.execute(insert(Signature), batch)
                db.session.commit()
                batch = []
        if batch:
            db.session.execute(insert(Signature), batch)
            db.session.commit()
        db.engine.dispose()


def peak_megabytes() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: Linux carries ru_maxrss over an exec,
    so a process started by a big parent would report the parent's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(database_url: str, instance: str, slug: str, output: str) -> None:
    """Run the export command in this (fresh) process and report its time and peak memory."""
    os.environ.update({"INSTANCE_PATH": instance, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                       "LOG_LEVEL": "WARNING"})  # fmt: skip
    from campaign.cli import main

    started = time.perf_counter()
    try:
        main(["export", "petition", slug, "-o", output], standalone_mode=False)
    finally:
        elapsed = time.perf_counter() - started
        print(f"RESULT seconds={elapsed:.3f} peak_mb={peak_megabytes():.1f}")


def measure(database_url: str, instance: Path, slug: str, rows: int) -> tuple[float, float, int]:
    output = instance / f"{slug}.csv"
    run = subprocess.run([sys.executable, __file__, "--child", database_url, str(instance), slug, str(output)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    line = next(line for line in run.stdout.splitlines() if line.startswith("RESULT"))
    values = dict(part.split("=") for part in line.split()[1:])
    size = output.stat().st_size
    written = sum(1 for _ in output.open(encoding="utf-8-sig")) - 1
    assert written == rows, f"exported {written} rows, expected {rows}"
    output.unlink()
    return float(values["seconds"]), float(values["peak_mb"]), size


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="campaign-export-bench-"))
    instance = workdir / "instance"
    instance.mkdir()
    database_url = args.database_url or f"sqlite:///{instance / 'campaign.db'}"
    small = max(args.rows // 10, 1)
    started = time.perf_counter()
    prepare(database_url, instance, small, f"{SLUG}-small", seed=1)
    prepare(database_url, instance, args.rows, SLUG, seed=2)
    print(f"prepared {small:,} + {args.rows:,} signatures in {time.perf_counter() - started:.0f}s")
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(f"\n{backend}: `campaign export petition SLUG -o FILE` in a fresh process")
    print(f"{'rows':>12}{'seconds':>10}{'rows/s':>12}{'peak MB':>10}{'file MB':>10}")
    for slug, rows in ((f"{SLUG}-small", small), (SLUG, args.rows)):
        seconds, peak, size = measure(database_url, instance, slug, rows)
        print(f"{rows:>12,}{seconds:>10.2f}{rows / seconds:>12,.0f}{peak:>10.1f}{size / 1e6:>10.1f}")


if __name__ == "__main__":
    main()
