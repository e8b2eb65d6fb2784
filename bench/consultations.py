"""Benchmark answering a 20-question consultation against a bare Flask hello-world, in one run.

    .venv/bin/python bench/consultations.py [--duration 10] [--connections 16] [--workers 2]

Three scenarios, each as a ratio to hello-world measured in the same run:

- the whole flow: each wrk connection takes a fresh emailed link, follows it (GET, then the
  button's POST), sends one page of 20 answers (every question type) and submits the response
  with a consent choice, then moves on to the next person;
- 20-answer POSTs, sustained: each connection follows one link, then keeps sending the page of
  20 answers (each one validated and saved in its own transaction);
- answers + submit, sustained: each connection keeps changing and resubmitting its response.

Then checks every response acknowledged in the first scenario was stored.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import ROOT, Result, background_worker, gunicorn, print_table, require_wrk, run_wrk, save
from signing import SECRET_KEY

SLUG = "bench-consultation"
CHOICES = [{"code": c, "label": c.title()} for c in ("alpha", "beta", "gamma", "delta", "epsilon")]


def twenty_questions() -> dict[str, object]:
    kinds = ["single_choice", "multiple_choice", "yes_no", "likert", "matrix",
             "ranking", "short_text", "long_text", "number", "postcode"]  # fmt: skip
    questions = []
    for round_ in (1, 2):
        for kind in kinds:
            question: dict[str, object] = {"key": f"{kind}_{round_}", "type": kind, "label": f"{kind} {round_}?",
                                           "required": True}  # fmt: skip
            if kind in {"single_choice", "multiple_choice", "ranking"}:
                question["options"] = CHOICES
            if kind == "ranking":
                question["top"] = 3
            if kind == "matrix":
                question["statements"] = CHOICES[:3]
            if kind == "number":
                question.update(minimum=0, maximum=1000)
            questions.append(question)
    return {"schema": "campaign/consultation-definition/1",
            "sections": [{"key": "all", "title": "Everything", "questions": questions}]}  # fmt: skip


def answers_body() -> str:
    fields: list[tuple[str, str]] = []
    for round_ in (1, 2):
        fields += [
            (f"q-single_choice_{round_}", "beta"),
            (f"q-multiple_choice_{round_}", "alpha"), (f"q-multiple_choice_{round_}", "gamma"),
            (f"q-yes_no_{round_}", "yes"),
            (f"q-likert_{round_}", "4"),
            *[(f"q-matrix_{round_}-{c['code']}", "3") for c in CHOICES[:3]],
            (f"q-ranking_{round_}-gamma", "1"), (f"q-ranking_{round_}-alpha", "2"), (f"q-ranking_{round_}-delta", "3"),
            (f"q-short_text_{round_}", "Officers on social media help"),
            (f"q-long_text_{round_}", "Local accounts told us about road closures, scams and lost dogs.\n\nBring them back."),
            (f"q-number_{round_}", "12"),
            (f"q-postcode_{round_}", "yo1 7hh"),
        ]  # fmt: skip
    return urlencode([("action", "next"), *fields])


def prepare(database_url: str, instance: Path, respondents: int) -> tuple[Path, Path]:
    os.environ.pop("DATABASE_URL", None)
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from campaign import create_app
    from campaign.accounts.service import NewOrganiser, create_organiser
    from campaign.consultations import builder, service
    from campaign.consultations.definition import parse_definition
    from campaign.consultations.models import ConsultationResponse
    from campaign.extensions import db
    from campaign.tokens import TokenPurpose, make_token

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade()
        organiser = create_organiser(NewOrganiser("bench@example.org", "Bench", "benchmark password 1"))
        consultation = service.create_consultation(
            organiser, service.ConsultationDraft("Benchmark consultation", "Twenty questions.", slug=SLUG)
        )
        builder.save_definition(organiser, consultation.id, parse_definition(twenty_questions()))
        service.open_consultation(organiser, consultation.id)
        db.session.execute(
            insert(ConsultationResponse),
            [
                {
                    "consultation_id": consultation.id,
                    "name": f"Respondent {n}",
                    "email": f"r{n}@example.org",
                    "canonical_email": f"r{n}@example.org",
                    "nonce": f"nonce{n}",
                    "working": "{}",
                }  # fmt: skip
                for n in range(respondents)
            ],
        )
        db.session.commit()
        rows = db.session.execute(select(ConsultationResponse.id, ConsultationResponse.nonce)).all()
        with app.test_request_context():
            tokens = [make_token(TokenPurpose.RESPOND_TO_CONSULTATION, {"r": rid, "n": nonce}) for rid, nonce in rows]
        db.engine.dispose()
    tokens_file, body_file = instance / "respond-tokens.txt", instance / "answers.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    body_file.write_text(answers_body())
    return tokens_file, body_file


FLOW = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
answered, submitted, bad = 0, 0, 0
function report_extra()
  local a, s, b = 0, 0, 0
  for _, t in ipairs(threads) do a = a + t:get("answered"); s = s + t:get("submitted"); b = b + t:get("bad") end
  io.write(string.format("EXTRA answered=%d\\nEXTRA submitted=%d\\nEXTRA bad=%d\\n", a, s, b))
end
local tokens, index, stride, body, step, cookie, csrf, mode = {}, 0, 1, "", 1, nil, nil, "flow"
function init(args)
  for line in io.lines(args[1]) do table.insert(tokens, line) end
  local f = io.open(args[2]); body = f:read("*a"); f:close()
  stride = tonumber(args[3])
  mode = args[4]
  index = id
end
local function form(extra)
  return {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}
end
request = function()
  local link = "/consultations/respond/" .. tokens[((index - 1) % #tokens) + 1]
  if step == 1 then return wrk.format("GET", link, {}) end
  if step == 2 then return wrk.format("POST", link, form(), "csrf_token=" .. csrf) end
  if step == 3 then
    return wrk.format("POST", "/consultations/SLUG/answer/all", form(), "csrf_token=" .. csrf .. "&" .. body)
  end
  return wrk.format("POST", "/consultations/SLUG/review", form(), "csrf_token=" .. csrf .. "&consent=anonymous")
end
response = function(status, headers, response_body)
  local value = headers["Set-Cookie"] or headers["set-cookie"] or ""
  cookie = string.match(value, "(campaign_session=[^;]+)") or cookie
  if step == 1 then
    csrf = string.match(response_body, 'name="csrf_token"[^>]-value="([^"]+)"')
    step = 2
  elseif step == 2 then
    step = (status == 302) and 3 or 1
    if status ~= 302 then bad = bad + 1; index = index + stride; cookie = nil end
  elseif step == 3 then
    if status == 302 then
      answered = answered + 1
      -- "answers": the same person keeps sending the page; otherwise submit next
      if mode ~= "answers" then step = 4 end
    else bad = bad + 1; step = 1; index = index + stride; cookie = nil end
  else
    if status == 302 then submitted = submitted + 1 else bad = bad + 1 end
    if mode == "submit" then
      step = 3  -- change the answers and submit again, as someone editing their response does
    else
      step, cookie = 1, nil
      index = index + stride
    end
  end
end
""".replace("SLUG", SLUG)


def submitted_count(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM consultation_responses WHERE state = 'submitted'"))
        count = int(stored.scalar() or 0)
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    require_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    instance = workdir / "instance"
    instance.mkdir()
    database_url = args.database_url or f"sqlite:///{instance / 'campaign.db'}"
    tokens_file, body_file = prepare(database_url, instance, respondents=40_000)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RATELIMIT_")},
        "INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "false", "MAIL_URL": (workdir / "mail").as_uri(), "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    connections, duration = args.connections, args.duration
    script_args = [str(tokens_file), str(body_file), str(connections)]
    with (
        gunicorn("hello", "hello:app", env, workdir, workers=args.workers) as hello,
        gunicorn(
            "campaign", "campaign:create_app()", env, workdir, workers=args.workers, ready_path=f"/consultations/{SLUG}"
        ) as app,
        background_worker(env, workdir),
    ):
        hello_before = run_wrk("hello-world GET /", hello.url + "/", connections=connections, duration=duration)
        flow = run_wrk("respond: link, 20 answers, submit", app.url, connections=connections, duration=duration,
                       script=FLOW, script_args=[*script_args, "flow"])  # fmt: skip
        stored = submitted_count(database_url)
        answers = run_wrk("20-answer POSTs, sustained", app.url, connections=connections, duration=duration,
                          script=FLOW, script_args=[*script_args, "answers"])  # fmt: skip
        resubmits = run_wrk("answers + submit, sustained", app.url, connections=connections, duration=duration,
                            script=FLOW, script_args=[*script_args, "submit"])  # fmt: skip
        hello_after = run_wrk("hello-world GET /", hello.url + "/", connections=connections, duration=duration)
    baseline = (hello_before.requests_per_second + hello_after.requests_per_second) / 2
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    for result in (flow, answers, resubmits):
        result.errors += int(result.extra["bad"])

    def share(result: Result, name: str, key: str) -> Result:
        seconds = result.requests / result.requests_per_second
        return Result(name, result.extra[key] / seconds, {}, int(result.extra[key]), 0)

    results = [
        flow,
        share(flow, "  of which 20-answer POSTs", "answered"),
        share(flow, "  of which submissions (consent)", "submitted"),
        answers,
        resubmits,
        share(resubmits, "  complete responses submitted", "submitted"),
    ]
    print(
        f"hello-world: {hello_before.requests_per_second:.0f} req/s before, {hello_after.requests_per_second:.0f} after"
    )
    print_table(results, baseline, title=f"{backend}, {args.workers} gunicorn workers with the worker alongside, "
                f"{connections} connections, {duration}s; baseline hello-world {baseline:.0f} req/s")  # fmt: skip
    errors = flow.errors + answers.errors + resubmits.errors
    lost = int(flow.extra["submitted"]) - int(stored or 0)
    print(f"\nsubmitted responses acknowledged: {int(flow.extra['submitted'])}, stored: {stored}; "
          f"errors: {errors}")  # fmt: skip
    print(
        f"saved {save(results, baseline, 'consultations', {'workers': args.workers, 'connections': connections}).relative_to(ROOT)}"
    )
    if lost > 0 or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
