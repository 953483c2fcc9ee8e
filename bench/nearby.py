"""Nearby search: the app's query and the full API call, beside a hand-written GiST query, on 1,000,000 requests.

    .venv/bin/python bench/nearby.py [--rows 1000000] [--spread 1] [--iterations 300] [--warmup 30] [--no-http]

DESIGN §7: "open requests within 5 km of a point in category X, nearest first, 50 results". Runs on a database of
its own, dugnad_bench (never `dugnad` or a test database): the first run creates it, migrates it and loads --rows
help requests spread over Norway with COPY; later runs reuse it while it holds that data (the table's comment
names it), and an interrupted load resumes where it stopped. Then, at the same random query points, taking turns:

  a. baseline: hand-written SQL (ST_DWithin on the GiST-indexed location_approx, status = 'open', the category,
     ORDER BY ST_Distance, LIMIT 50), through psycopg;
  b. the SQL the app's own selector and filter set build (taken from the queryset), through psycopg; and the same
     queryset evaluated by the ORM;
  c. GET /api/v1/requests/?near=…&radius_km=5&category=…&ordering=distance with a token: through Django's test
     Client in this process, and over HTTP to a daphne started on a free port.

DEBUG is off in both processes (config.settings.local turns it on; production does not pay for its query log) and
so are the rate limits. Prints a Markdown table for docs/benchmarks.md, the queries one API call makes, and
EXPLAIN (ANALYZE, BUFFERS) of the app's queries and the baseline at a typical point.
"""

import argparse
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from common import APP_BOOTSTRAP, conninfo, create_and_migrate, daphne_command, free_port, stop, wait_for
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgis://dugnad:dugnad@127.0.0.1:5432/dugnad_bench"

RADIUS_KM = 5
LIMIT = 50
CHUNK = 50_000  # rows per COPY transaction: the unit an interrupted load resumes from
NEIGHBOURS = 3_000
BENCH_DOMAIN = "bench.dugnad.test"

# Where the requests are: 76 % around southern and western cities (share of rows, Gaussian spread in km, which
# --spread multiplies: 0.25 packs them into the cities themselves), the rest uniform over the box 58–71°N, 5–31°E.
CITIES = [
    ("Oslo", 59.913, 10.752, 0.30, 60),
    ("Bergen", 60.392, 5.324, 0.12, 40),
    ("Stavanger", 58.970, 5.733, 0.09, 40),
    ("Trondheim", 63.431, 10.395, 0.08, 40),
    ("Kristiansand", 58.146, 7.996, 0.05, 32),
    ("Drammen", 59.744, 10.204, 0.05, 32),
    ("Fredrikstad", 59.218, 10.930, 0.04, 32),
    ("Ålesund", 62.472, 6.155, 0.03, 24),
]
CITY_WEIGHTS = [city[3] for city in CITIES]
CITY_SHARE = sum(CITY_WEIGHTS)
BOX = (58.0, 71.0, 5.0, 31.0)
STATUSES = (["open"] * 80) + (["matched"] * 6) + (["done"] * 8) + (["cancelled"] * 3) + (["expired"] * 3)
TITLES = [
    "Trenger hjelp til plenklipping", "Hjelp med BankID på mobilen", "Kan noen handle for meg på fredag?",
    "Skyss til legen tirsdag morgen", "Drypper fra kjøkkenkrana", "Noen å gå tur med", "Låne tilhenger en dag",
    "Lufte hunden mens jeg er bortreist", "Hente på SFO onsdager", "Bære en sofa opp til tredje etasje",
    "Måke snø foran inngangen", "Sette opp hyller i stua",
]
SENTENCES = [
    "Jeg bor alene og klarer det ikke selv lenger.", "Det tar omtrent en time.", "Kaffe og kake står klar.",
    "Passer best på ettermiddagen.", "Verktøy finnes i boden.", "Ring på hos Hansen i andre etasje.",
    "Gjerne noen som har gjort det før.", "Jeg kan betale for bensinen.", "Det haster ikke, men snart er fint.",
]


@dataclass(frozen=True)
class Query:
    lat: float
    lon: float
    slug: str
    sparse: bool


# --- The data ------------------------------------------------------------------------------------------------------


def city_point(rng, spread):
    _name, lat, lon, _share, sigma_km = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
    dlat = rng.gauss(0, sigma_km * spread) / 111.32
    dlon = rng.gauss(0, sigma_km * spread) / (111.32 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def box_point(rng):
    return rng.uniform(BOX[0], BOX[1]), rng.uniform(BOX[2], BOX[3])


def approximate(lat, lon):
    """geo.privacy.approximate_point without building GEOS points (50 µs a row); checked against it while loading."""
    from geo import privacy

    step = privacy._LAT_STEP
    row = math.floor(lat / step)
    cell_lat = (row + 0.5) * step
    lon_step = privacy.GRID_METRES / (
        privacy._METRES_PER_DEGREE_LATITUDE * max(math.cos(math.radians(cell_lat)), 1e-6)
    )
    col = math.floor(lon / lon_step)
    return round((col + 0.5) * lon_step, 6), round(cell_lat, 6)


def check_approximate(lat, lon, approx):
    from types import SimpleNamespace

    from geo.privacy import approximate_point

    point = approximate_point(SimpleNamespace(x=lon, y=lat))
    if (point.x, point.y) != approx:
        raise SystemExit(f"location_approx of ({lat}, {lon}) differs from geo.privacy: {approx} != {point.coords}")


def help_request_row(rng, pk, authors, categories, now, spread):
    if rng.random() < CITY_SHARE:
        lat, lon = city_point(rng, spread)
    else:
        lat, lon = box_point(rng)
    lat, lon = round(lat, 7), round(lon, 7)
    approx_lon, approx_lat = approximate(lat, lon)
    if pk % 100 == 0:
        check_approximate(lat, lon, (approx_lon, approx_lat))
    status = rng.choice(STATUSES)
    created = now - timedelta(seconds=rng.uniform(0, 25 * 86400))
    expires = created + timedelta(days=30)
    needed_from = needed_until = None
    if rng.random() < 0.3:
        needed_from = created + timedelta(days=rng.uniform(1, 20))
        needed_until = needed_from + timedelta(hours=rng.choice([1, 2, 3, 24]))
    description = " ".join(rng.sample(SENTENCES, rng.randint(1, 4)))
    return (
        pk, rng.choice(authors), None, rng.choice(categories), rng.choice(TITLES), description,
        f"SRID=4326;POINT({lon!r} {lat!r})", f"SRID=4326;POINT({approx_lon!r} {approx_lat!r})",
        needed_from, needed_until, "FREQ=WEEKLY;COUNT=4" if rng.random() < 0.05 else "", status,
        expires, None, created, created,
    )


HELP_REQUEST_COLUMNS = [
    "id", "author_id", "organisation_id", "category_id", "title", "description", "location", "location_approx",
    "needed_from", "needed_until", "recurrence", "status", "expires_at", "expiry_reminder_sent_at", "created_at",
    "updated_at",
]


def ensure_neighbours(conn):
    conn.execute(
        """
        INSERT INTO neighbours_neighbour (password, is_superuser, email, display_name, language, bio, reach_km,
                                          notify_frequency, email_verified_at, is_active, is_staff, is_moderator,
                                          date_joined)
        SELECT '!', false, 'neighbour' || g || '@' || %(domain)s, 'Nabo ' || g, 'nb', '', 5, 'never', now(), true,
               false, false, now()
        FROM generate_series(1, %(count)s) AS g
        ON CONFLICT (email) DO NOTHING
        """,
        {"domain": BENCH_DOMAIN, "count": NEIGHBOURS},
    )
    return [pk for (pk,) in conn.execute(
        "SELECT id FROM neighbours_neighbour WHERE email LIKE %s ORDER BY id", [f"neighbour%@{BENCH_DOMAIN}"]
    )]


def load(url, rows, seed, spread):
    started = time.perf_counter()
    # The table's comment says which data it holds (rows 1..count of this signature), so that runs reuse it.
    signature = f"bench/nearby.py seed={seed} spread={spread:g}"
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        authors = ensure_neighbours(conn)
        categories = [pk for (pk,) in conn.execute("SELECT id FROM neighbours_category ORDER BY position")]
        count, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM requests_helprequest").fetchone()
        held = conn.execute("SELECT obj_description('requests_helprequest'::regclass, 'pg_class')").fetchone()[0]
        if held == signature and count == rows and top == rows:
            print(f"dugnad_bench already holds {rows:,} help requests ({signature}): reused")
            return
        loading = f"{signature} (loading)"
        if held not in (signature, loading) or count != top:  # other data, or not rows 1..count: start again
            if count:
                print(f"dugnad_bench holds other data ({held}): loading again")
            conn.execute("TRUNCATE requests_helprequest CASCADE")
            count = 0
        comment = sql.SQL("COMMENT ON TABLE requests_helprequest IS {}")
        conn.execute(comment.format(sql.Literal(loading)))
        if count > rows:
            conn.execute("DELETE FROM requests_helprequest WHERE id > %s", [rows])
        elif count:
            print(f"resuming the load after {count:,} rows")
        now = datetime.now(UTC)
        columns = sql.SQL(", ").join(map(sql.Identifier, HELP_REQUEST_COLUMNS))
        copy_sql = sql.SQL("COPY requests_helprequest ({}) FROM STDIN").format(columns)
        for chunk in range(count // CHUNK, math.ceil(rows / CHUNK)):
            rng = random.Random(f"{seed}:{chunk}")  # the same rows whenever a chunk is (re)loaded
            first, last = chunk * CHUNK + 1, min(rows, (chunk + 1) * CHUNK)
            with conn.transaction(), conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for pk in range(first, last + 1):
                    row = help_request_row(rng, pk, authors, categories, now, spread)
                    if pk > count:
                        copy.write_row(row)
            print(f"  {last:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('requests_helprequest', 'id'), (SELECT max(id) FROM "
            "requests_helprequest))"
        )
        conn.execute("VACUUM (ANALYZE) requests_helprequest")
        conn.execute("ANALYZE neighbours_neighbour")
        conn.execute("ANALYZE neighbours_category")
        conn.execute(comment.format(sql.Literal(signature)))
        # A sample of the stored approximations, read back and checked against geo.privacy.
        for lat, lon, approx_lon, approx_lat in conn.execute(
            "SELECT ST_Y(location::geometry), ST_X(location::geometry), ST_X(location_approx::geometry), "
            "ST_Y(location_approx::geometry) FROM requests_helprequest TABLESAMPLE SYSTEM (1) LIMIT 500"
        ):
            check_approximate(lat, lon, (approx_lon, approx_lat))
    print(f"loaded {rows:,} help requests into dugnad_bench in {time.perf_counter() - started:.0f} s")


# --- The measurements ----------------------------------------------------------------------------------------------

BASELINE_SQL = """
SELECT id, author_id, category_id, organisation_id, title, description, location_approx, needed_from, needed_until,
       recurrence, status, created_at, expires_at,
       ST_Distance(location_approx, ST_MakePoint(%(lon)s, %(lat)s)::geography) AS distance
FROM requests_helprequest
WHERE status = 'open' AND category_id = %(category)s
  AND ST_DWithin(location_approx, ST_MakePoint(%(lon)s, %(lat)s)::geography, %(metres)s)
ORDER BY distance
LIMIT 50
"""

DISC_SQL = """
SELECT count(*), count(*) FILTER (WHERE category_id = %(category)s)
FROM requests_helprequest
WHERE status = 'open' AND ST_DWithin(location_approx, ST_MakePoint(%(lon)s, %(lat)s)::geography, %(metres)s)
"""


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[math.ceil(len(samples) * 0.95) - 1]


def start_daphne(url):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DUGNAD_RATE_LIMITS": "off",
           "DATABASE_URL": url}
    process = subprocess.Popen(
        daphne_command(port, "config.asgi:application", backlog=None, bootstrap=APP_BOOTSTRAP),
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port, process, "daphne")
    except RuntimeError:
        stop(process)
        raise
    return process, port


def measure(args, url):
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from neighbours.models import Category, Neighbour
    from requests.filters import HelpRequestFilter
    from requests.selectors import help_request_list_visible

    settings.DEBUG = False
    viewer = Neighbour.objects.filter(email=f"bench@{BENCH_DOMAIN}").first()
    if viewer is None:
        viewer = Neighbour.objects.create_user(f"bench@{BENCH_DOMAIN}", None, display_name="Bench")
    token = Token.objects.get_or_create(user=viewer)[0].key
    category_ids = dict(Category.objects.values_list("slug", "id"))

    rng = random.Random(f"{args.seed}:queries")
    queries = []
    for _ in range(args.warmup + args.iterations):
        sparse = rng.random() < args.sparse
        lat, lon = box_point(rng) if sparse else city_point(rng, args.spread)
        queries.append(Query(round(lat, 5), round(lon, 5), rng.choice(sorted(category_ids)), sparse))

    def sql_params(query):
        return {"lat": query.lat, "lon": query.lon, "category": category_ids[query.slug], "metres": RADIUS_KM * 1000}

    def api_params(query):
        return {"near": f"{query.lat},{query.lon}", "radius_km": RADIUS_KM, "category": query.slug,
                "ordering": "distance"}

    def app_queryset(query):
        """What GET /api/v1/requests/ filters: the selector, then the filter set, then a page of 50."""
        filterset = HelpRequestFilter(api_params(query), queryset=help_request_list_visible(viewer=viewer))
        if not filterset.is_valid():
            raise RuntimeError(filterset.errors)
        return filterset.qs[:LIMIT]

    # A psycopg connection of its own, set up as Django sets up its own (client-side binding, geometry adapters).
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    cursor = raw.cursor()
    app_sql = app_queryset(queries[0]).query.sql_with_params()[0]  # the same text at every point
    cursor.execute(app_sql, app_queryset(queries[0]).query.sql_with_params()[1])
    app_distance = [column.name for column in cursor.description].index("distance")

    # Each variant: prepare(query) → state (not timed); run(state) → result (timed); check(result) → the distances
    # in metres, or for the API (which rounds them to 100 m) just how many results, or None (not compared).
    def baseline_run(params):
        cursor.execute(BASELINE_SQL, params)
        return cursor.fetchall()

    def app_sql_prepare(query):
        text, params = app_queryset(query).query.sql_with_params()
        if text != app_sql:
            raise RuntimeError("the app's SQL changed between query points")
        return params

    def app_sql_run(params):
        cursor.execute(app_sql, params)
        return cursor.fetchall()

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="localhost")

    def client_run(params):
        response = client.get("/api/v1/requests/", params)
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]}")
        return response.content

    variants = [
        ("a. baseline: hand-written SQL (psycopg)", sql_params, baseline_run,
         lambda rows: [row[-1] for row in rows]),
        ("b. app query: its SQL (psycopg)", app_sql_prepare, app_sql_run,
         lambda rows: [row[app_distance] for row in rows]),
        ("b. app query: queryset through the ORM", app_queryset, list,
         lambda objects: [item.distance.m for item in objects]),
        ("c. API call: in-process test Client", api_params, client_run,
         lambda body: len(json.loads(body)["results"])),
    ]
    daphne = None
    if not args.no_http:
        daphne, port = start_daphne(url)
        server = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Token {token}", "Host": "localhost"}

        def http_get(path):
            server.request("GET", path, headers=headers)
            response = server.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {body[:300]}")
            return body

        variants.append(("c. API call: HTTP to daphne", lambda query: "/api/v1/requests/?" +
                         urlencode(api_params(query)), http_get, lambda body: len(json.loads(body)["results"])))
        # The same server code with a psycopg connection pool (DATABASE_URL ?pool=1), side by side.
        pooled, pooled_port = start_daphne(url + ("&" if "?" in url else "?") + "pool=1")
        pooled_server = http.client.HTTPConnection("127.0.0.1", pooled_port, timeout=60)

        def pooled_get(path):
            pooled_server.request("GET", path, headers=headers)
            response = pooled_server.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {body[:300]}")
            return body

        variants.append(("c. API call: HTTP to daphne, connection pool", lambda query: "/api/v1/requests/?" +
                         urlencode(api_params(query)), pooled_get, lambda body: len(json.loads(body)["results"])))
        variants.append(("(daphne floor: GET /healthz, no database)", lambda query: "/healthz", http_get,
                         lambda body: None))

    def sessions():
        raw.execute("SELECT pg_stat_clear_snapshot()")
        return raw.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()[0]

    try:
        # How many rows each query point has to consider (not timed).
        discs = []
        for query in queries[args.warmup:]:
            cursor.execute(DISC_SQL, sql_params(query))
            discs.append(cursor.fetchone())

        samples = {name: [] for name, *_ in variants}
        mismatches = 0
        sessions_before = sessions()
        started = time.perf_counter()
        for n, query in enumerate(queries):
            checked = {}
            turn = n % len(variants)
            for name, prepare, run, check in variants[turn:] + variants[:turn]:
                state = prepare(query)
                begun = time.perf_counter()
                result = run(state)
                elapsed = (time.perf_counter() - begun) * 1000
                checked[name] = check(result)
                if n >= args.warmup:
                    samples[name].append(elapsed)
            if not agree(checked[variants[0][0]], checked.values()):
                mismatches += 1
        measured = time.perf_counter() - started
        time.sleep(1)  # sessions are counted when the server flushes its statistics
        new_sessions = sessions() - sessions_before

        # The queries one API call makes, and the plans, at the point with the median number of open requests.
        typical = sorted(range(len(discs)), key=lambda i: discs[i][0])[len(discs) // 2]
        query = queries[args.warmup + typical]
        with CaptureQueriesContext(connection) as captured:
            client_run(api_params(query))
        plans = [("the app's query (a page of 50)", app_sql, app_sql_prepare(query))]
        plans += [("the app's count (pagination)", item["sql"], None) for item in captured.captured_queries
                  if item["sql"].startswith("SELECT COUNT(*)")]
        plans.append(("the baseline", BASELINE_SQL, sql_params(query)))
        api_queries = []  # each as the API sent it, and its median time over 20 runs through psycopg
        for item in captured.captured_queries:
            runs = []
            for _ in range(20):
                begun = time.perf_counter()
                cursor.execute(item["sql"])
                cursor.fetchall()
                runs.append((time.perf_counter() - begun) * 1000)
            api_queries.append((item["sql"], statistics.median(runs)))
        explained = []
        for label, text, params in plans:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + text, params)
            explained.append((label, "\n".join(line for (line,) in cursor.fetchall())))
    finally:
        if daphne is not None:
            server.close()
            pooled_server.close()
            for process in (daphne, pooled):
                stop(process)
        raw.close()

    opens, matches = percentiles([disc[0] for disc in discs]), percentiles([disc[1] for disc in discs])
    print(f"\n{args.rows:,} help requests (city spread x{args.spread:g}); {args.iterations} query points after "
          f"{args.warmup} for warm-up, {args.sparse:.0%} of them anywhere in the box, the rest near the cities; "
          f"at each, every variant in turn (measured in {measured:.0f} s)")
    print(f"open requests within {RADIUS_KM} km of a point: p50 {opens[0]:.0f}, p95 {opens[1]:.0f}; in the category: "
          f"p50 {matches[0]:.0f}, p95 {matches[1]:.0f}")
    print(f"points where a variant's results differ from the baseline's: {mismatches}")
    if daphne is not None:
        print(f"new database sessions opened while measuring: {new_sessions}, for {len(queries)} API calls over HTTP "
              "to each daphne (the other variants keep their connections)")
    base = percentiles(samples[variants[0][0]])
    print(f"\n### Nearby search: {args.rows:,} help requests, open ones within {RADIUS_KM} km in a category, nearest "
          f"first, {LIMIT} results ({args.iterations} query points)\n")
    print("| variant | p50 (ms) | p95 (ms) | p50 / baseline | p95 / baseline |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, *_ in variants:
        p50, p95 = percentiles(samples[name])
        print(f"| {name} | {p50:.2f} | {p95:.2f} | {p50 / base[0]:.1f}x | {p95 / base[1]:.1f}x |")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rows": args.rows, "iterations": args.iterations, "mismatches": mismatches,
            "open_within": {"p50": opens[0], "p95": opens[1]}, "in_category": {"p50": matches[0], "p95": matches[1]},
            "variants": {name: dict(zip(("p50", "p95"), percentiles(samples[name]), strict=True))
                         for name, *_ in variants},
        }, indent=1))

    print(f"\nThe queries of one API call at {query.lat},{query.lon} ({query.slug}; {discs[typical][0]} open requests "
          f"within {RADIUS_KM} km, {discs[typical][1]} in the category):")
    for text, elapsed in api_queries:
        print(f"  {elapsed:6.2f} ms  {text[:150]}{'…' if len(text) > 150 else ''}")
    print(f"\nThe app's SQL:\n{app_sql}")
    for label, plan in explained:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {label}:\n{plan}")


def agree(baseline, others):
    """Every variant returned as many results as the baseline, and the same distances where it reports them."""
    for other in others:
        if other is None:
            continue
        if isinstance(other, int):
            if other != len(baseline):
                return False
        elif len(other) != len(baseline) or any(abs(x - y) > 1e-6 for x, y in zip(baseline, other, strict=True)):
            return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="help requests in dugnad_bench")
    parser.add_argument("--iterations", type=int, default=300, help="query points measured per variant")
    parser.add_argument("--warmup", type=int, default=30, help="query points run first and not counted")
    parser.add_argument("--spread", type=float, default=1.0,
                        help="multiplies the cities' Gaussian spread (0.25: 16 times as dense near them)")
    parser.add_argument("--sparse", type=float, default=0.1, help="share of query points anywhere in the box")
    parser.add_argument("--seed", default="dugnad", help="the data and the query points follow from it")
    parser.add_argument("--no-http", action="store_true", help="skip the daphne variant")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON (for bench/run_all.py)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()

    create_and_migrate(args.database_url)
    os.environ.update({"DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": "config.settings.local",
                       "DUGNAD_RATE_LIMITS": "off"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    load(args.database_url, args.rows, args.seed, args.spread)
    measure(args, args.database_url)


if __name__ == "__main__":
    main()
