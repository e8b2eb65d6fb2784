"""Benchmark the signing path against a bare Flask hello-world, in one run.

    .venv/bin/python bench/signing.py [--duration 10] [--connections 16] [--workers 2]

Starts the app under gunicorn (2 workers, rate limits off) on a fresh SQLite database, with
`campaign worker` alongside (sending mail to files and folding counts, as in production), and
in the same run the hello-world under the same gunicorn settings; drives both with wrk on loopback
and prints requests/s and latency for: the petition page, the count JSON, a full sign (GET the
form, POST it) and a confirmation (GET the link, POST the button), each as a ratio to
hello-world. Afterwards it checks the database: every acknowledged signature and confirmation
must be there, and the server logs must not mention "database is locked".
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import ROOT, Result, gunicorn, print_table, require_wrk, run_wrk, save

SECRET_KEY = "benchmark-secret-key-0123456789-abcdefghijkl"

_THREAD_SETUP = """
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
ok, bad = 0, 0
function report_extra()
  local total_ok, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
  end
  io.write(string.format("EXTRA posts_ok=%d\\nEXTRA posts_bad=%d\\n", total_ok, total_bad))
end
local function cookie_from(headers, current)
  -- Only the session cookie matters here (others are scoped to other paths).
  local value = headers["Set-Cookie"] or headers["set-cookie"] or ""
  local session = string.match(value, "(campaign_session=[^;]+)")
  return session or current
end
local function csrf_from(body)
  return string.match(body, 'name="csrf_token"[^>]-value="([^"]+)"')
end
"""

SIGN_FLOW = (
    _THREAD_SETUP
    + """
local step, cookie, token, n = "get", nil, nil, 0
request = function()
  if step == "get" then
    return wrk.format("GET", "/petitions/bench", cookie and {["Cookie"] = cookie} or {})
  end
  n = n + 1
  local body = "csrf_token=" .. token .. "&name=Bench+Signer+" .. id .. "+" .. n
    .. "&email=t" .. id .. "-" .. n .. "%40example.org&postcode=YO1+7HH"
  return wrk.format("POST", "/petitions/bench/sign",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}, body)
end
response = function(status, headers, body)
  cookie = cookie_from(headers, cookie)
  if step == "get" then
    token = csrf_from(body)
    step = "post"
  else
    if status == 302 then ok = ok + 1 else bad = bad + 1 end
    step = "get"
  end
end
"""
)

# The form is fetched once per connection; every request after that is a new signature.
SIGN_POSTS = (
    _THREAD_SETUP
    + """
local cookie, token, n = nil, nil, 0
request = function()
  if not token then
    return wrk.format("GET", "/petitions/bench", {})
  end
  n = n + 1
  local body = "csrf_token=" .. token .. "&name=Post+Signer+" .. id .. "+" .. n
    .. "&email=t" .. id .. "-post-" .. n .. "%40example.org&postcode=YO1+7HH"
  return wrk.format("POST", "/petitions/bench/sign",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}, body)
end
response = function(status, headers, body)
  cookie = cookie_from(headers, cookie)
  if not token then
    token = csrf_from(body)
  elseif status == 302 then ok = ok + 1 else bad = bad + 1 end
end
"""
)

CONFIRM_FLOW = (
    _THREAD_SETUP
    + """
local step, cookie, token, tokens, index, stride = "get", nil, nil, {}, 0, 1
function init(args)
  for line in io.lines(args[1]) do table.insert(tokens, line) end
  stride = tonumber(args[2])
  index = id
end
request = function()
  local link = "/confirm/" .. tokens[((index - 1) % #tokens) + 1]
  if step == "get" then
    return wrk.format("GET", link, cookie and {["Cookie"] = cookie} or {})
  end
  return wrk.format("POST", link,
    {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = cookie}, "csrf_token=" .. token)
end
response = function(status, headers, body)
  cookie = cookie_from(headers, cookie)
  if step == "get" then
    token = csrf_from(body)
    step = "post"
  else
    if status == 302 then ok = ok + 1 else bad = bad + 1 end
    index = index + stride
    step = "get"
  end
end
"""
)


def prepare(database_url: str, instance: Path, pending: int) -> Path:
    """A migrated database with an open petition and ``pending`` signatures waiting for confirmation."""
    os.environ.pop("DATABASE_URL", None)
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from campaign import create_app
    from campaign.accounts.models import Organiser
    from campaign.accounts.service import NewOrganiser, create_organiser
    from campaign.extensions import db
    from campaign.petitions.service import PetitionDraft, create_petition, open_petition
    from campaign.signing.models import Signature
    from campaign.tokens import TokenPurpose, make_token

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    tokens_file = instance / "confirm-tokens.txt"
    with app.app_context():
        upgrade()
        organiser = create_organiser(NewOrganiser("bench@example.org", "Bench", "benchmark password 1"))
        petition = create_petition(
            organiser, PetitionDraft("Benchmark petition", "Summary.", "Body text.", 1_000_000, slug="bench")
        )
        open_petition(db.session.get_one(Organiser, organiser.id), petition.id)
        db.session.execute(
            insert(Signature),
            [
                {
                    "petition_id": petition.id,
                    "state": "pending",
                    "name": f"Pending {n}",
                    "name_key": f"pending{n}",
                    "email": f"p{n}@example.org",
                    "canonical_email": f"p{n}@example.org",
                    "postcode": "YO1 7HH",
                    "confirmation_nonce": f"nonce{n}",
                }  # fmt: skip
                for n in range(pending)
            ],
        )
        db.session.commit()
        rows = db.session.execute(db.select(Signature.id, Signature.confirmation_nonce)).all()
        with app.test_request_context():
            tokens = [make_token(TokenPurpose.CONFIRM_SIGNATURE, {"s": sid, "n": nonce}) for sid, nonce in rows]
        tokens_file.write_text("\n".join(tokens) + "\n")
        db.engine.dispose()
    return tokens_file


def verify(database_url: str, instance: Path, signed_ok: int, confirmed_ok: int, in_flight: int) -> list[str]:
    """Every acknowledged sign and confirm is in the database.

    A few more may be stored than were acknowledged: requests still in flight when wrk
    stopped counting (at most one per connection) are completed by the server.
    """
    from sqlalchemy import func, select

    from campaign import create_app
    from campaign.extensions import db
    from campaign.signing.models import Signature

    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY})
    problems = []
    with app.app_context():
        signed = db.session.scalar(select(func.count()).where(Signature.email.like("t%@example.org"))) or 0
        confirmed = db.session.scalar(select(func.count()).where(Signature.state == "confirmed")) or 0
        db.engine.dispose()
    for what, stored, acknowledged in (("signatures", signed, signed_ok), ("confirmations", confirmed, confirmed_ok)):
        if not acknowledged <= stored <= acknowledged + in_flight:
            problems.append(f"{acknowledged} {what} acknowledged but {stored} stored")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    args = parser.parse_args()
    require_wrk()

    workdir = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    instance = workdir / "instance"
    instance.mkdir()
    database_url = args.database_url or f"sqlite:///{instance / 'campaign.db'}"
    tokens_file = prepare(database_url, instance, pending=60_000)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RATELIMIT_")},
        "INSTANCE_PATH": str(instance), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
        "RATELIMIT_ENABLED": "false", "MAIL_URL": (workdir / "mail").as_uri(), "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    duration, connections = args.duration, args.connections
    results: list[Result] = []
    with (
        gunicorn("hello", "hello:app", env, workdir, workers=args.workers) as hello,
        gunicorn(
            "campaign", "campaign:create_app()", env, workdir, workers=args.workers, ready_path="/petitions/bench"
        ) as app,
    ):
        hello_before = run_wrk("hello-world GET /", hello.url + "/", connections=connections, duration=duration)
        results.append(run_wrk("petition page GET", app.url + "/petitions/bench", connections=connections,
                               duration=duration))  # fmt: skip
        results.append(run_wrk("count JSON GET", app.url + "/api/v1/petitions/bench/count", connections=connections,
                               duration=duration))  # fmt: skip
        sign = run_wrk("full sign (GET + POST)", app.url, connections=connections, duration=duration, script=SIGN_FLOW)
        sign_only = run_wrk("sign POST (form already open)", app.url, connections=connections, duration=duration,
                            script=SIGN_POSTS)  # fmt: skip
        confirm = run_wrk("confirm (GET + POST)", app.url, connections=connections, duration=duration,
                          script=CONFIRM_FLOW, script_args=[str(tokens_file), str(connections)])  # fmt: skip
        hello_after = run_wrk("hello-world GET /", hello.url + "/", connections=connections, duration=duration)
    baseline = (hello_before.requests_per_second + hello_after.requests_per_second) / 2
    seconds = sign.requests / sign.requests_per_second
    sign_posts = Result("  of which sign POSTs", sign.extra["posts_ok"] / seconds, {},
                        int(sign.extra["posts_ok"]), int(sign.extra["posts_bad"]))  # fmt: skip
    seconds = confirm.requests / confirm.requests_per_second
    confirm_posts = Result("  of which confirm POSTs", confirm.extra["posts_ok"] / seconds, {},
                           int(confirm.extra["posts_ok"]), int(confirm.extra["posts_bad"]))  # fmt: skip
    # A POST that is not the expected redirect (an expired form, a refused signature) is a failure.
    for flow in (sign, sign_only, confirm):
        flow.errors += int(flow.extra["posts_bad"])
    sign_only.requests_per_second = sign_only.extra["posts_ok"] / (sign_only.requests / sign_only.requests_per_second)
    results += [sign, sign_posts, sign_only, confirm, confirm_posts]

    print(
        f"hello-world: {hello_before.requests_per_second:.0f} req/s before, {hello_after.requests_per_second:.0f} after"
    )
    print_table(results, baseline, title=f"SQLite, {args.workers} gunicorn workers, {connections} connections, "
                f"{duration}s each; baseline hello-world {baseline:.0f} req/s")  # fmt: skip
    if int(confirm.extra["posts_ok"]) > 60_000:
        print("warning: more confirmations than prepared tokens; some were replays")
    signed_ok = int(sign.extra["posts_ok"] + sign_only.extra["posts_ok"])
    problems = verify(database_url, instance, signed_ok, min(int(confirm.extra["posts_ok"]), 60_000), 2 * connections)
    locked = sum(log.read_text().count("database is locked") for log in workdir.glob("*.log"))
    server_errors = sum(log.read_text().count("unhandled error") for log in workdir.glob("*.log"))
    print(f"\n'database is locked' in logs: {locked}; unhandled errors: {server_errors}; "
          f"non-2xx/3xx or failed requests: {sum(r.errors for r in results)}")  # fmt: skip
    print("lost signatures or confirmations: " + ("; ".join(problems) if problems else "none"))
    meta = {"database": "sqlite" if not args.database_url else "external", "workers": args.workers,
            "connections": connections, "duration": duration}  # fmt: skip
    print(f"saved {save(results, baseline, 'signing', meta).relative_to(ROOT)}")
    if problems or locked or server_errors or any(r.errors for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
