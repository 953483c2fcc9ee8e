"""deploy/backup.sh and deploy/restore.sh against the real PostgreSQL: a backup of a lived-in database restores into
a fresh one with every row, geometry, migration and sequence intact; restores never overwrite data by accident and
never leave a half-restored database behind."""

import os
import subprocess
import sys
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.utils import timezone
from psycopg import sql

from tests import factories
from tests.live import ROOT, database_url

BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"

# Every table that is not part of an extension (PostGIS' spatial_ref_sys is), with its primary-key columns.
TABLES = """
SELECT n.nspname, c.relname,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                 WHERE i.indrelid = c.oid AND i.indisprimary), '{}')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""

# Columns filled from a sequence (identity or serial), with that sequence.
SEQUENCED_COLUMNS = """
SELECT table_schema, table_name, column_name,
       pg_get_serial_sequence(format('%I.%I', table_schema, table_name), column_name)
FROM information_schema.columns
WHERE table_schema = 'public'
  AND pg_get_serial_sequence(format('%I.%I', table_schema, table_name), column_name) IS NOT NULL
ORDER BY 1, 2, 3
"""


def connect(dbname):
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=dbname, user=db["USER"], password=db["PASSWORD"], host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432, autocommit=True,
    )


def fingerprint(dbname):
    """``{table: (rows, md5 of every row as text, in primary-key order)}``: geometry columns print as hex EWKB, so a
    point moved by a millimetre changes the checksum."""
    result = {}
    with connect(dbname) as conn:
        for schema, table, primary_key in conn.execute(TABLES).fetchall():
            order = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(col)) for col in primary_key)
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), '')) FROM {table} t"
            ).format(order=order if primary_key else sql.SQL("t::text"), table=sql.Identifier(schema, table))
            result[f"{schema}.{table}"] = conn.execute(query).fetchone()
    return result


def sequences(dbname):
    with connect(dbname) as conn:
        return conn.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2"
        ).fetchall()


def databases_starting_with(prefix):
    with connect("postgres") as conn:
        return [row[0] for row in conn.execute(
            "SELECT datname FROM pg_database WHERE left(datname, length(%s)) = %s ORDER BY 1", [prefix, prefix]
        )]


@pytest.fixture
def scratch_database():
    """A name for a database the test restores into (it does not exist yet). It is dropped afterwards, with the
    staging and set-aside databases restore.sh names after it."""
    name = f"{settings.DATABASES['default']['NAME']}_rt"
    drop_databases_starting_with(name[:30])  # left by an interrupted run
    yield name
    drop_databases_starting_with(name[:30])


def drop_databases_starting_with(prefix):
    with connect("postgres") as conn:
        for name in databases_starting_with(prefix):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run(script, *args, database, check=True):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DUGNAD_PYTHON": sys.executable,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([str(script), *map(str, args)], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    if check:
        assert result.returncode == 0, f"{script.name} failed ({result.returncode}):\n{result.stderr}"
    return result


def back_up(directory, *args):
    result = run(BACKUP, "--dir", directory, *args, database=settings.DATABASES["default"]["NAME"])
    path = result.stdout.strip().splitlines()[-1]
    assert os.path.isfile(path)
    return path


def build_neighbourhood():
    """A small neighbourhood made through the services, touching every kind of row: neighbours with homes, an
    organisation with members, requests with exact and approximate points, an agreement with dates, a proposal and
    its thread, a plain conversation, an offer's session with seats and a waiting list, notifications."""
    from neighbours.services import neighbour_update_profile
    from offers.sessions import signup_create
    from requests.agreements import proposal_create

    ann, bob, cora, dag, eva = (factories.NeighbourFactory(display_name=name) for name in
                                ("Ann", "Bob", "Cora", "Dag", "Eva"))
    for person, (lat, lon) in zip((ann, bob, cora, dag, eva),
                                  ((62.4722, 6.1495), (62.4701, 6.1612), (62.4688, 6.1420), (69.6496, 18.9560),
                                   (59.9139, 10.7522)), strict=True):
        neighbour_update_profile(neighbour=person, home=factories.point(lat, lon), bio=f"{person.display_name} here")

    association = factories.seniors_association(coordinators=[cora], admins=[dag], name="Aspøy Seniorforening")
    factories.help_request(author=eva, title="Help with BankID", category="digital",
                           location=factories.point(59.9150, 10.7400))
    factories.help_request(author=ann, title="Walk my dog", category="pets")

    deal = factories.agreement(requester=ann, helper=bob, title="Mow the pitch")
    future = deal.occurrences.order_by("starts_at").last()
    proposal_create(agreement=deal, proposed_by=bob, action="move", occurrence=future,
                    starts_at=future.starts_at + timedelta(days=1), note="Rain forecast")
    factories.chat_message(thread=deal.thread, author=ann, body="Thanks — see you on Friday! 🌱")

    conversation = factories.chat_thread(ann, eva, title="Borrowing a ladder")
    for number in range(5):
        factories.chat_message(thread=conversation, author=(ann, eva)[number % 2], body=f"Message {number}")

    offer = factories.help_offer(author=cora, organisation=association, category="digital",
                                 title="Digital Post for beginners")
    session = factories.group_session(offer=offer, by=cora, capacity=2)
    for person in (ann, bob, eva):  # the third waits
        signup_create(session=session, neighbour=person)
    return timezone.now()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restored_backup_holds_every_row_geometry_migration_and_sequence(tmp_path, scratch_database):
    """Given a lived-in database, when it is backed up and restored into a fresh database, then every table has the
    same rows (checksummed, geometry included), the migrations match the code, and new rows get ids that were never
    used."""
    build_neighbourhood()
    source = settings.DATABASES["default"]["NAME"]

    dump = back_up(tmp_path)
    result = run(RESTORE, dump, database=scratch_database)

    before, after = fingerprint(source), fingerprint(scratch_database)
    assert after == before
    for table in ("neighbours_neighbour", "neighbours_organisation", "neighbours_membership", "requests_helprequest",
                  "requests_agreement", "requests_occurrence", "requests_proposal", "chat_thread", "chat_message",
                  "chat_notification", "offers_helpoffer", "offers_session", "offers_signup", "django_migrations"):
        assert before[f"public.{table}"][0] > 0, f"the test data left {table} empty"
    assert "migrations match the code" in result.stderr
    assert f"public.chat_message\t{before['public.chat_message'][0]}" in result.stdout
    assert sequences(scratch_database) == sequences(source)
    with connect(scratch_database) as conn:
        columns = conn.execute(SEQUENCED_COLUMNS).fetchall()
        assert columns
        for schema, table, column, sequence in columns:
            highest = conn.execute(sql.SQL("SELECT coalesce(max({}), 0) FROM {}").format(
                sql.Identifier(column), sql.Identifier(schema, table))).fetchone()[0]
            assert conn.execute("SELECT nextval(%s)", [sequence]).fetchone()[0] > highest, f"{table}.{column}"


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_tables_without_force(tmp_path):
    """Given a backup, when it is restored over a database with tables and no --force, then it exits with 3, says
    why, and the database is unchanged."""
    target = settings.DATABASES["default"]["NAME"]
    dump = back_up(tmp_path)
    before = fingerprint(target)

    result = run(RESTORE, dump, database=target, check=False)

    assert result.returncode == 3
    assert "refusing to replace it without --force" in result.stderr
    assert fingerprint(target) == before
    assert databases_starting_with(f"{target[:30]}_restoring_") == []


@pytest.mark.django_db
def test_restore_with_force_replaces_the_database_and_keeps_the_old_one_aside(tmp_path, scratch_database):
    """Given a restored database that has since changed, when the backup is restored again with --force, then the
    database is the backup's again and the changed one is kept under a *_before_restore_* name."""
    dump = back_up(tmp_path)
    run(RESTORE, "--no-check", dump, database=scratch_database)
    with connect(scratch_database) as conn:
        conn.execute("DELETE FROM neighbours_category WHERE slug = 'pets'")
    changed = fingerprint(scratch_database)

    result = run(RESTORE, "--force", "--no-check", dump, database=scratch_database)

    assert fingerprint(scratch_database) == fingerprint(settings.DATABASES["default"]["NAME"])
    aside = databases_starting_with(f"{scratch_database[:30]}_before_restore_")
    assert len(aside) == 1
    assert aside[0] in result.stderr
    assert fingerprint(aside[0]) == changed


@pytest.mark.django_db
@pytest.mark.parametrize("damage", ["truncated", "corrupt data block", "not a dump"])
def test_a_damaged_dump_fails_loudly_and_leaves_no_database(tmp_path, scratch_database, damage):
    """Given a dump that was cut short, has a damaged data block (its table of contents still reads, so the restore
    gets under way) or is no dump at all, when it is restored, then restore.sh exits 1 and no database is left:
    neither the target nor a half-restored staging database."""
    dump = back_up(tmp_path)
    with open(dump, "rb") as file:
        content = bytearray(file.read())
    if damage == "truncated":
        content = content[: len(content) // 2]
    elif damage == "corrupt data block":
        content[-600:-100] = b"Z" * 500
    else:
        content = b"PGDMP? no, a shopping list\n"
    with open(dump, "wb") as file:
        file.write(content)
    if damage == "corrupt data block":
        assert subprocess.run(["pg_restore", "--list", dump], capture_output=True).returncode == 0

    result = run(RESTORE, dump, database=scratch_database, check=False)

    assert result.returncode == 1, result.stderr
    assert "FAILED: nothing was restored" in result.stderr
    assert databases_starting_with(scratch_database[:30]) == []


@pytest.mark.django_db
def test_backup_keeps_only_the_newest_backups_when_asked(tmp_path):
    """Given --keep 2, when three backups are made, then the two newest remain, with no partial files beside them."""
    made = [back_up(tmp_path, "--keep", "2") for _ in range(3)]

    assert sorted(str(path) for path in tmp_path.iterdir()) == sorted(made[1:])


def test_backup_of_an_unreachable_database_fails_and_writes_nothing(tmp_path):
    """Given a DATABASE_URL nobody answers at, when a backup is made, then it exits non-zero and leaves no file."""
    from tests.live import free_port

    env = {**os.environ, "DATABASE_URL": f"postgis://dugnad:secret@127.0.0.1:{free_port()}/dugnad"}
    result = subprocess.run([str(BACKUP), "--dir", str(tmp_path)], env=env, capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 1
    assert "pg_dump failed" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_database_url_is_parsed_like_the_application_does_and_the_password_stays_off_the_command_line():
    """A percent-encoded password with URL delimiters in it, an IPv6 host and libpq options in the query are taken
    apart into libpq's environment; the password goes into a private pgpass file only."""
    url = "postgis://app%40dugnad:p%40ss%3Aw%2Fo%3Frd%5C@[::1]:6543/dug%20nad?pool=1&pool_max=8&sslmode=require"
    script = (
        f'. {ROOT}/deploy/database-url.sh; database_url_to_pgenv "$1"; '
        'printf "%s|" "$PGHOST" "$PGPORT" "$PGUSER" "$PGDATABASE" "$PGSSLMODE" "${PGPASSWORD-unset}"; echo; '
        'stat -c %a "$PGPASSFILE"; cat "$PGPASSFILE"; pgenv_cleanup; test ! -e "$PGPASSFILE"'
    )
    result = subprocess.run(["bash", "-c", script, "parse", url], capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, result.stderr
    fields, mode, pgpass = result.stdout.splitlines()
    assert fields == "::1|6543|app@dugnad|dug nad|require|unset|"
    assert mode == "600"
    assert pgpass == "*:*:*:app@dugnad:p@ss\\:w/o?rd\\\\"
